/** The phone join page's words: English, Hindi, Arabic (the status page's languages and choice). */
const en = {
  title: 'Join the queue',
  intro: 'Enter your name and phone number. You will get a token number and can follow your turn on this phone.',
  name: 'Your name',
  phone: 'Phone number',
  phoneHint: 'We use it to find your token, and to message you if you agree.',
  notify: 'Send me text messages about my turn',
  join: 'Get my token',
  joining: 'Getting your token…',
  nameMissing: 'Please enter your name.',
  phoneBad: 'Please enter a phone number we can reach, e.g. 98765 43210.',
  codeOld: 'This QR code is out of date. Please scan the code in the waiting area again.',
  noPhoneJoin: 'This department does not take check-in by phone. Please go to reception.',
  busy: 'The server is busy. Please try again in a minute.',
  offline: 'No connection. Check your internet and try again.',
  noCode: 'This link has no join code. Please scan the QR code in the waiting area.',
  language: 'Language',
  loading: 'Loading…',
};
type Catalogue = Record<keyof typeof en, string>;
const hi: Catalogue = {
  title: 'कतार में शामिल हों',
  intro: 'अपना नाम और फ़ोन नंबर लिखें। आपको टोकन नंबर मिलेगा और आप इसी फ़ोन पर अपनी बारी देख सकेंगे।',
  name: 'आपका नाम',
  phone: 'फ़ोन नंबर',
  phoneHint: 'इससे आपका टोकन ढूँढा जाता है, और आपकी सहमति हो तो आपको संदेश भेजे जाते हैं।',
  notify: 'मेरी बारी के बारे में मुझे SMS भेजें',
  join: 'मेरा टोकन लें',
  joining: 'आपका टोकन लिया जा रहा है…',
  nameMissing: 'कृपया अपना नाम लिखें।',
  phoneBad: 'कृपया ऐसा फ़ोन नंबर लिखें जिस पर संपर्क हो सके, जैसे 98765 43210।',
  codeOld: 'यह QR कोड पुराना हो गया है। कृपया प्रतीक्षा क्षेत्र का कोड फिर से स्कैन करें।',
  noPhoneJoin: 'यह विभाग फ़ोन से चेक-इन नहीं लेता। कृपया रिसेप्शन पर जाएँ।',
  busy: 'सर्वर व्यस्त है। कृपया एक मिनट बाद फिर कोशिश करें।',
  offline: 'कनेक्शन नहीं है। अपना इंटरनेट जाँचें और फिर कोशिश करें।',
  noCode: 'इस लिंक में जॉइन कोड नहीं है। कृपया प्रतीक्षा क्षेत्र का QR कोड स्कैन करें।',
  language: 'भाषा',
  loading: 'लोड हो रहा है…',
};
const ar: Catalogue = {
  title: 'انضم إلى الدور',
  intro: 'أدخل اسمك ورقم هاتفك. ستحصل على رقم دور ويمكنك متابعة دورك على هذا الهاتف.',
  name: 'اسمك',
  phone: 'رقم الهاتف',
  phoneHint: 'نستخدمه للعثور على دورك، ولمراسلتك إذا وافقت.',
  notify: 'أرسل لي رسائل نصية عن دوري',
  join: 'احصل على دوري',
  joining: 'جارٍ الحصول على دورك…',
  nameMissing: 'يرجى إدخال اسمك.',
  phoneBad: 'يرجى إدخال رقم هاتف يمكن الوصول إليه، مثل 98765 43210.',
  codeOld: 'رمز QR هذا قديم. يرجى مسح الرمز في منطقة الانتظار مرة أخرى.',
  noPhoneJoin: 'هذا القسم لا يقبل تسجيل الوصول بالهاتف. يرجى التوجه إلى الاستقبال.',
  busy: 'الخادم مشغول. يرجى المحاولة بعد دقيقة.',
  offline: 'لا يوجد اتصال. تحقق من الإنترنت وحاول مرة أخرى.',
  noCode: 'هذا الرابط لا يحتوي على رمز انضمام. يرجى مسح رمز QR في منطقة الانتظار.',
  language: 'اللغة',
  loading: 'جارٍ التحميل…',
};

const CATALOGUES = { en, hi, ar } as const;
export type JoinMessageKey = keyof typeof en;

export function tj(language: keyof typeof CATALOGUES, key: JoinMessageKey): string {
  return CATALOGUES[language][key];
}
