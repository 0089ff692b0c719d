import type { Language } from '@smart-token/contracts';

/** What we answer a patient's reply with. */
export type Reply =
  | {
      kind: 'status';
      number: string;
      position: number;
      minMinutes: number;
      maxMinutes: number;
      department: string;
      /** Set once the token is called: the patient is told where to go instead of a wait. */
      counter?: string;
    }
  | { kind: 'late-ok'; number: string; minutes: number }
  | { kind: 'late-refused'; number: string; reason: 'used' | 'not-waiting' }
  | { kind: 'cancel-confirm'; number: string }
  | { kind: 'cancelled'; number: string }
  | { kind: 'cancel-not-possible'; number: string }
  | { kind: 'stopped' }
  | { kind: 'started' }
  | { kind: 'help' }
  | { kind: 'neutral' };

type StatusReply = Extract<Reply, { kind: 'status' }>;

interface Phrases {
  statusCalled: (number: string, counter: string) => string;
  statusWaiting: (number: string, position: number, department: string, wait: string) => string;
  /** "about 10-20 min"; a plain hyphen keeps English replies in GSM-7 (an en dash would make them UCS-2). */
  wait: (min: number, max: number) => string;
  lateOk: (number: string, minutes: number) => string;
  lateUsed: (number: string) => string;
  lateNotWaiting: (number: string) => string;
  cancelConfirm: (number: string) => string;
  cancelled: (number: string) => string;
  cancelNotPossible: (number: string) => string;
  stopped: string;
  started: string;
  help: string;
  /** Said to anyone we cannot or will not match to a visit today: it must not depend on who asks. */
  neutral: string;
}

function range(min: number, max: number): string {
  return min === max ? String(min) : `${min}-${max}`;
}

const PHRASES: Record<Language, Phrases> = {
  en: {
    statusCalled: (number, counter) => `${number}: you have been called. Please go to ${counter} now.`,
    statusWaiting: (number, position, department, wait) =>
      position <= 1 ? `${number}: you are next in the line for ${department}, ${wait}.` : `${number}: you are number ${position} in the line for ${department}, ${wait}.`,
    wait: (min, max) => `about ${range(min, max)} min`,
    lateOk: (number, minutes) => `${number}: thank you, we have noted you will be about ${minutes} min late. Your place is kept.`,
    lateUsed: (number) => `${number}: LATE can be used once per visit and has already been used. Please ask at reception.`,
    lateNotWaiting: (number) => `${number} is not waiting in the line, so LATE cannot be used. Please ask at reception.`,
    cancelConfirm: (number) => `Cancel token ${number}? Reply YES to cancel it or NO to keep your place.`,
    cancelled: (number) => `Token ${number} is cancelled. Thank you for letting us know.`,
    cancelNotPossible: (number) => `Token ${number} can no longer be cancelled by message. Please ask at reception.`,
    stopped: 'You will get no more messages from us. Reply START to get them again.',
    started: 'Messages are on again. Reply STOP to end them, or HELP for the commands.',
    help: 'Reply STATUS for your place in the line, LATE 15 if you will be 15 min late, CANCEL to cancel your token, STOP to end messages, START to get them again.',
    neutral: 'Smart Token: reply HELP for the commands we understand.',
  },
  hi: {
    statusCalled: (number, counter) => `${number}: आपको बुलाया गया है। कृपया अभी ${counter} पर जाएँ।`,
    statusWaiting: (number, position, department, wait) =>
      position <= 1 ? `${number}: ${department} की लाइन में अगली बारी आपकी है, ${wait}।` : `${number}: ${department} की लाइन में आपका स्थान: ${position}, ${wait}।`,
    wait: (min, max) => `लगभग ${range(min, max)} मिनट`,
    lateOk: (number, minutes) => `${number}: धन्यवाद, हमने नोट कर लिया है कि आप लगभग ${minutes} मिनट देर से आएँगे। आपकी जगह बनी रहेगी।`,
    lateUsed: (number) => `${number}: LATE (देर) हर विज़िट में एक बार ही इस्तेमाल हो सकता है, और यह पहले ही हो चुका है। कृपया रिसेप्शन पर पूछें।`,
    lateNotWaiting: (number) => `${number} लाइन में प्रतीक्षा में नहीं है, इसलिए LATE (देर) इस्तेमाल नहीं हो सकता। कृपया रिसेप्शन पर पूछें।`,
    cancelConfirm: (number) => `टोकन ${number} रद्द करें? रद्द करने के लिए YES (हाँ) भेजें, अपनी जगह रखने के लिए NO (नहीं)।`,
    cancelled: (number) => `टोकन ${number} रद्द कर दिया गया है। बताने के लिए धन्यवाद।`,
    cancelNotPossible: (number) => `टोकन ${number} अब संदेश से रद्द नहीं हो सकता। कृपया रिसेप्शन पर पूछें।`,
    stopped: 'अब आपको हमारे संदेश नहीं मिलेंगे। फिर से पाने के लिए START (शुरू) भेजें।',
    started: 'संदेश फिर से चालू हैं। बंद करने के लिए STOP (रोकें), आदेशों के लिए HELP (मदद) भेजें।',
    help: 'लाइन में अपनी जगह के लिए STATUS (स्थिति), 15 मिनट देर हो तो LATE 15 (देर 15), टोकन रद्द करने के लिए CANCEL (रद्द), संदेश बंद करने के लिए STOP (रोकें), फिर चालू करने के लिए START (शुरू) भेजें।',
    neutral: 'Smart Token: हम जो आदेश समझते हैं, उन्हें जानने के लिए HELP (मदद) भेजें।',
  },
  ar: {
    statusCalled: (number, counter) => `${number}: تم نداء رقمك. يرجى التوجه إلى ${counter} الآن.`,
    statusWaiting: (number, position, department, wait) =>
      position <= 1 ? `${number}: أنت التالي في دور ${department}، ${wait}.` : `${number}: ترتيبك في دور ${department}: ${position}، ${wait}.`,
    wait: (min, max) => `بعد حوالي ${range(min, max)} دقيقة`,
    lateOk: (number, minutes) => `${number}: شكراً، سجلنا أنك ستتأخر حوالي ${minutes} دقيقة. مكانك محفوظ.`,
    lateUsed: (number) => `${number}: يمكن استخدام LATE (تأخير) مرة واحدة في كل زيارة، وقد استُخدم. يرجى مراجعة الاستقبال.`,
    lateNotWaiting: (number) => `${number} ليس في قائمة الانتظار، لذا لا يمكن استخدام LATE (تأخير). يرجى مراجعة الاستقبال.`,
    cancelConfirm: (number) => `إلغاء الرقم ${number}؟ أرسل YES (نعم) للإلغاء أو NO (لا) للاحتفاظ بمكانك.`,
    cancelled: (number) => `تم إلغاء الرقم ${number}. شكراً لإبلاغنا.`,
    cancelNotPossible: (number) => `لم يعد من الممكن إلغاء الرقم ${number} برسالة. يرجى مراجعة الاستقبال.`,
    stopped: 'لن تصلك رسائل منا بعد الآن. أرسل START (ابدأ) لاستلامها من جديد.',
    started: 'عادت الرسائل. أرسل STOP (توقف) لإيقافها أو HELP (مساعدة) لمعرفة الأوامر.',
    help: 'أرسل STATUS (حالة) لمعرفة دورك، LATE 15 (تأخير 15) إذا تأخرت 15 دقيقة، CANCEL (إلغاء) لإلغاء رقمك، STOP (توقف) لإيقاف الرسائل، START (ابدأ) لاستئنافها.',
    neutral: 'Smart Token: أرسل HELP (مساعدة) لمعرفة الأوامر التي نفهمها.',
  },
};

function statusText(phrases: Phrases, reply: StatusReply): string {
  if (reply.counter) return phrases.statusCalled(reply.number, reply.counter);
  // Estimates arrive from a model that may round past each other; never print "about 20-10".
  const min = Math.max(0, Math.min(reply.minMinutes, reply.maxMinutes));
  const max = Math.max(0, reply.minMinutes, reply.maxMinutes);
  return phrases.statusWaiting(reply.number, reply.position, reply.department, phrases.wait(min, max));
}

/** The text answering a patient's reply, in their language. */
export function replyText(language: Language, reply: Reply): string {
  const phrases = PHRASES[language];
  switch (reply.kind) {
    case 'status':
      return statusText(phrases, reply);
    case 'late-ok':
      return phrases.lateOk(reply.number, reply.minutes);
    case 'late-refused':
      return reply.reason === 'used' ? phrases.lateUsed(reply.number) : phrases.lateNotWaiting(reply.number);
    case 'cancel-confirm':
      return phrases.cancelConfirm(reply.number);
    case 'cancelled':
      return phrases.cancelled(reply.number);
    case 'cancel-not-possible':
      return phrases.cancelNotPossible(reply.number);
    case 'stopped':
      return phrases.stopped;
    case 'started':
      return phrases.started;
    case 'help':
      return phrases.help;
    case 'neutral':
      return phrases.neutral;
  }
}
