/**
 * The patient page's own catalogue: no i18n library, so the page stays a few kilobytes.
 * TypeScript checks that Hindi and Arabic have every English key.
 */
const en = {
  brand: 'Smart Token',
  language: 'Language',
  lookupTitle: 'Check your place in the line',
  lookupIntro: 'Enter the token number printed on your ticket and the last 4 digits of the phone number you gave at check-in.',
  tokenLabel: 'Token number',
  tokenHint: 'For example GEN-004',
  digitsLabel: 'Last 4 digits of your phone number',
  show: 'Show my place',
  looking: 'Looking up your token…',
  badToken: 'Enter the token number as printed on your ticket, for example GEN-004.',
  badDigits: 'Enter exactly 4 digits.',
  notFound: 'No token today matches that number and those digits. Check your ticket and try again.',
  locked: 'Too many tries for this token. Try again in {{minutes}} min, or ask at the reception desk.',
  busy: 'The service is busy. Please try again in a moment.',
  offline: 'No connection. Check your mobile data or Wi-Fi and try again.',
  unknownLink: 'This link is not valid any more. Ask at the reception desk, or look up your token with its number.',
  lookupLink: 'Look up a token by its number',
  another: 'Look up another token',
  yourToken: 'Your token',
  position: 'Your place in the line',
  ahead0: 'You are next',
  ahead1: '1 person ahead of you',
  aheadN: '{{count}} people ahead of you',
  wait: 'Expected wait',
  waitRange: '{{min}}–{{max}} min',
  waitUnknown: 'Not known yet',
  called: 'Called — please go to {{counter}}',
  calledNoCounter: 'Called — please go to the counter now',
  serving: 'You are being seen at {{counter}}',
  servingNoCounter: 'You are being seen now',
  parked: 'Your turn is on hold. You will be called again soon — please stay nearby.',
  completed: 'This step of your visit is complete. Thank you.',
  no_show: 'You missed your call. Please go to the reception desk.',
  cancelled: 'This token was cancelled. Please ask at the reception desk if you did not expect this.',
  waiting: 'Waiting',
  movedTo: 'You are now waiting in {{department}}.',
  updated: 'Updated {{time}}',
  reconnecting: 'Reconnecting… the information shown may be out of date.',
  soundOn: 'Alert me with sound',
  soundIsOn: 'Sound alerts are on',
  keepOpen: 'Keep this page open: it updates by itself and alerts you when you are called.',
  pushOn: 'Notify me on this phone',
  pushBusy: 'Turning on notifications…',
  pushIsOn: 'You will get a notification when your turn is near',
  pushDenied: 'Notifications are blocked for this page. Allow them in your browser’s settings for this site, then try again.',
  pushEnded: 'This visit has ended: there is nothing more to notify you about.',
  pushNotOffered: 'This department does not send browser notifications. Keep this page open, or ask at the reception desk for a text message.',
  pushFailed: 'Notifications could not be turned on. Please try again, or keep this page open.',
  loading: 'Loading…',
};

export type MessageKey = keyof typeof en;
type Catalogue = Record<MessageKey, string>;

const hi: Catalogue = {
  brand: 'स्मार्ट टोकन',
  language: 'भाषा',
  lookupTitle: 'कतार में अपना स्थान देखें',
  lookupIntro: 'अपने टिकट पर छपा टोकन नंबर और चेक-इन के समय दिए गए फ़ोन नंबर के आख़िरी 4 अंक लिखें।',
  tokenLabel: 'टोकन नंबर',
  tokenHint: 'उदाहरण: GEN-004',
  digitsLabel: 'आपके फ़ोन नंबर के आख़िरी 4 अंक',
  show: 'मेरा स्थान दिखाएँ',
  looking: 'आपका टोकन ढूँढा जा रहा है…',
  badToken: 'टिकट पर छपा टोकन नंबर लिखें, जैसे GEN-004।',
  badDigits: 'ठीक 4 अंक लिखें।',
  notFound: 'आज इस नंबर और इन अंकों से कोई टोकन नहीं मिला। अपना टिकट देखकर फिर कोशिश करें।',
  locked: 'इस टोकन के लिए बहुत सारी कोशिशें हुईं। {{minutes}} मिनट बाद फिर कोशिश करें, या रिसेप्शन पर पूछें।',
  busy: 'सेवा अभी व्यस्त है। कृपया थोड़ी देर में फिर कोशिश करें।',
  offline: 'कनेक्शन नहीं है। मोबाइल डेटा या वाई-फ़ाई जाँचकर फिर कोशिश करें।',
  unknownLink: 'यह लिंक अब मान्य नहीं है। रिसेप्शन पर पूछें, या टोकन नंबर से अपना टोकन देखें।',
  lookupLink: 'नंबर से टोकन देखें',
  another: 'दूसरा टोकन देखें',
  yourToken: 'आपका टोकन',
  position: 'कतार में आपका स्थान',
  ahead0: 'अगली बारी आपकी है',
  ahead1: 'आपसे पहले 1 व्यक्ति',
  aheadN: 'आपसे पहले {{count}} लोग',
  wait: 'अनुमानित प्रतीक्षा',
  waitRange: '{{min}}–{{max}} मिनट',
  waitUnknown: 'अभी पता नहीं',
  called: 'आपको बुलाया गया है — कृपया {{counter}} पर जाएँ',
  calledNoCounter: 'आपको बुलाया गया है — कृपया अभी काउंटर पर जाएँ',
  serving: '{{counter}} पर आपको देखा जा रहा है',
  servingNoCounter: 'अभी आपको देखा जा रहा है',
  parked: 'आपकी बारी रोकी गई है। आपको जल्द फिर बुलाया जाएगा — कृपया पास ही रहें।',
  completed: 'आपकी यात्रा का यह चरण पूरा हुआ। धन्यवाद।',
  no_show: 'आपकी पुकार छूट गई। कृपया रिसेप्शन पर जाएँ।',
  cancelled: 'यह टोकन रद्द कर दिया गया। यदि यह अपेक्षित नहीं था तो रिसेप्शन पर पूछें।',
  waiting: 'प्रतीक्षा में',
  movedTo: 'अब आप {{department}} में प्रतीक्षा कर रहे हैं।',
  updated: '{{time}} पर अपडेट',
  reconnecting: 'फिर से जुड़ रहा है… दिखाई गई जानकारी पुरानी हो सकती है।',
  soundOn: 'आवाज़ से सूचित करें',
  soundIsOn: 'आवाज़ सूचना चालू है',
  keepOpen: 'यह पेज खुला रखें: यह अपने आप अपडेट होता है और बुलाए जाने पर आपको सूचित करता है।',
  pushOn: 'इस फ़ोन पर मुझे सूचना भेजें',
  pushBusy: 'सूचनाएँ चालू की जा रही हैं…',
  pushIsOn: 'आपकी बारी पास आने पर आपको सूचना मिलेगी',
  pushDenied: 'इस पेज के लिए सूचनाएँ बंद हैं। ब्राउज़र की इस साइट की सेटिंग में इन्हें अनुमति दें, फिर दोबारा कोशिश करें।',
  pushEnded: 'यह विज़िट समाप्त हो चुकी है: इसके बारे में अब कोई सूचना नहीं भेजी जाएगी।',
  pushNotOffered: 'यह विभाग ब्राउज़र सूचनाएँ नहीं भेजता। यह पेज खुला रखें, या रिसेप्शन पर टेक्स्ट संदेश के लिए कहें।',
  pushFailed: 'सूचनाएँ चालू नहीं हो सकीं। कृपया फिर कोशिश करें, या यह पेज खुला रखें।',
  loading: 'लोड हो रहा है…',
};

const ar: Catalogue = {
  brand: 'الرمز الذكي',
  language: 'اللغة',
  lookupTitle: 'اعرف مكانك في الدور',
  lookupIntro: 'أدخل رقم الدور المطبوع على تذكرتك وآخر 4 أرقام من رقم الهاتف الذي قدّمته عند التسجيل.',
  tokenLabel: 'رقم الدور',
  tokenHint: 'مثلاً GEN-004',
  digitsLabel: 'آخر 4 أرقام من رقم هاتفك',
  show: 'اعرض مكاني',
  looking: 'جارٍ البحث عن رقمك…',
  badToken: 'أدخل رقم الدور كما هو مطبوع على تذكرتك، مثلاً GEN-004.',
  badDigits: 'أدخل 4 أرقام بالضبط.',
  notFound: 'لا يوجد رقم اليوم يطابق هذا الرقم وهذه الأرقام. راجع تذكرتك وحاول مجدداً.',
  locked: 'محاولات كثيرة لهذا الرقم. حاول بعد {{minutes}} دقيقة، أو اسأل في الاستقبال.',
  busy: 'الخدمة مشغولة. يرجى المحاولة بعد قليل.',
  offline: 'لا يوجد اتصال. تحقق من بيانات الهاتف أو شبكة Wi-Fi وحاول مجدداً.',
  unknownLink: 'هذا الرابط لم يعد صالحاً. اسأل في الاستقبال، أو ابحث عن دورك برقمه.',
  lookupLink: 'ابحث عن دور برقمه',
  another: 'ابحث عن رقم آخر',
  yourToken: 'رقمك',
  position: 'مكانك في الدور',
  ahead0: 'أنت التالي',
  ahead1: 'شخص واحد قبلك',
  aheadN: 'عدد الأشخاص قبلك: {{count}}',
  wait: 'الانتظار المتوقع',
  // Isolated left-to-right, or the bidi algorithm shows 5–14 as 14–5.
  waitRange: '\u2066{{min}}–{{max}}\u2069 دقيقة',
  waitUnknown: 'غير معروف بعد',
  called: 'تم نداؤك — يرجى التوجه إلى {{counter}}',
  calledNoCounter: 'تم نداؤك — يرجى التوجه إلى الشباك الآن',
  serving: 'تتم خدمتك الآن في {{counter}}',
  servingNoCounter: 'تتم خدمتك الآن',
  parked: 'دورك معلّق. سيتم نداؤك قريباً — يرجى البقاء بالقرب.',
  completed: 'اكتملت هذه المرحلة من زيارتك. شكراً لك.',
  no_show: 'فاتك النداء. يرجى التوجه إلى الاستقبال.',
  cancelled: 'تم إلغاء هذا الرقم. اسأل في الاستقبال إن لم تكن تتوقع ذلك.',
  waiting: 'في الانتظار',
  movedTo: 'أنت الآن في انتظار {{department}}.',
  updated: 'آخر تحديث {{time}}',
  reconnecting: 'جارٍ إعادة الاتصال… قد تكون المعلومات المعروضة قديمة.',
  soundOn: 'نبّهني بالصوت',
  soundIsOn: 'التنبيه الصوتي مفعّل',
  keepOpen: 'أبقِ هذه الصفحة مفتوحة: تتحدث تلقائياً وتنبّهك عند نداء دورك.',
  pushOn: 'نبّهني بإشعار على هذا الهاتف',
  pushBusy: 'جارٍ تفعيل الإشعارات…',
  pushIsOn: 'سيصلك إشعار عندما يقترب دورك',
  pushDenied: 'الإشعارات محظورة لهذه الصفحة. اسمح بها من إعدادات المتصفح لهذا الموقع، ثم حاول مجدداً.',
  pushEnded: 'انتهت هذه الزيارة: لن تصلك إشعارات أخرى عنها.',
  pushNotOffered: 'هذا القسم لا يرسل إشعارات المتصفح. أبقِ هذه الصفحة مفتوحة، أو اطلب رسالة نصية من الاستقبال.',
  pushFailed: 'تعذّر تفعيل الإشعارات. يرجى المحاولة مجدداً، أو أبقِ هذه الصفحة مفتوحة.',
  loading: 'جارٍ التحميل…',
};

export const LANGUAGES = [
  { code: 'en', label: 'English', dir: 'ltr', messages: en },
  { code: 'hi', label: 'हिन्दी', dir: 'ltr', messages: hi },
  { code: 'ar', label: 'العربية', dir: 'rtl', messages: ar },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];

/** Shared with the staff app, so a phone that used the kiosk flow keeps its language. */
const LANGUAGE_KEY = 'smart-token.language';

const isLanguage = (code: string | null | undefined): code is Language => LANGUAGES.some((l) => l.code === code);

/** The saved choice, else the phone's own language list, else English. */
export function initialLanguage(): Language {
  let saved: string | null = null;
  try {
    saved = localStorage.getItem(LANGUAGE_KEY);
  } catch {
    // Private mode on some phones: no storage, no problem.
  }
  if (isLanguage(saved)) return saved;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const code = tag.toLowerCase().split('-')[0];
    if (isLanguage(code)) return code;
  }
  return 'en';
}

let current: Language = 'en';

export function setLanguage(code: Language, remember: boolean): void {
  current = code;
  const lang = LANGUAGES.find((l) => l.code === code) ?? LANGUAGES[0];
  document.documentElement.lang = lang.code;
  document.documentElement.dir = lang.dir;
  if (remember) {
    try {
      localStorage.setItem(LANGUAGE_KEY, code);
    } catch {
      // See above.
    }
  }
}

export const language = (): Language => current;

/** `t('aheadN', { count: 3 })`: the message in the current language with {{name}} filled in. */
export function t(key: MessageKey, values: Record<string, string | number> = {}): string {
  const messages: Catalogue = (LANGUAGES.find((l) => l.code === current) ?? LANGUAGES[0]).messages;
  return messages[key].replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(values[name] ?? ''));
}
