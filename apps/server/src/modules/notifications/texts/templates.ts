import {
  MAX_TEMPLATE_LENGTH,
  TEMPLATE_VARIABLES,
  type Language,
  type NotificationTrigger,
  type TemplateVariable,
} from '@smart-token/contracts';

/**
 * The built-in texts, used wherever a clinic has saved none of its own.
 * English stays inside the GSM-7 alphabet (plain hyphens and apostrophes) so a message costs one SMS part;
 * Hindi and Arabic are UCS-2 whatever we write. STOP is named once, in the first message, as carriers expect.
 */
export const DEFAULT_TEMPLATES: Record<Language, Record<NotificationTrigger, string>> = {
  en: {
    issued: '{clinic}: your token is {number} for {department}. Follow your place in the line: {statusUrl}\nReply STOP to end messages.',
    approaching: '{clinic}: {number}, your turn is near, in about {minutes} min. Please come back to {department}.',
    called: '{clinic}: {number}, please go to {counter} now.',
    recalled: '{clinic}: second call for {number}. Please go to {counter} now.',
    transferred: '{clinic}: {number}, you are now waiting in {department}. Your number stays the same.',
    no_show: '{clinic}: we called {number} but missed you. Please ask at reception.',
    cancelled: '{clinic}: your token {number} has been cancelled. If this is a mistake, please ask at reception.',
  },
  hi: {
    issued: '{clinic}: {department} के लिए आपका टोकन {number} है। लाइन में अपनी जगह यहाँ देखें: {statusUrl}\nसंदेश बंद करने के लिए STOP भेजें।',
    approaching: '{clinic}: {number}, आपकी बारी पास है, लगभग {minutes} मिनट में। कृपया {department} में वापस आएँ।',
    called: '{clinic}: {number}, कृपया अभी {counter} पर जाएँ।',
    recalled: '{clinic}: {number} के लिए दूसरी पुकार। कृपया अभी {counter} पर जाएँ।',
    transferred: '{clinic}: {number}, अब आप {department} में प्रतीक्षा कर रहे हैं। आपका नंबर वही रहेगा।',
    no_show: '{clinic}: {number} को बुलाया गया, पर आप नहीं मिले। कृपया रिसेप्शन पर पूछें।',
    cancelled: '{clinic}: आपका टोकन {number} रद्द कर दिया गया है। अगर यह गलती है, तो कृपया रिसेप्शन पर पूछें।',
  },
  ar: {
    issued: '{clinic}: رقمك {number} في {department}. تابع دورك في الطابور: {statusUrl}\nأرسل STOP لإيقاف الرسائل.',
    approaching: '{clinic}: {number}، اقترب دورك، بعد حوالي {minutes} دقيقة. يرجى العودة إلى {department}.',
    called: '{clinic}: {number}، يرجى التوجه إلى {counter} الآن.',
    recalled: '{clinic}: نداء ثانٍ للرقم {number}. يرجى التوجه إلى {counter} الآن.',
    transferred: '{clinic}: {number}، أنت الآن في قائمة انتظار {department}، ورقمك لم يتغير.',
    no_show: '{clinic}: نادينا الرقم {number} ولم تكن حاضراً. يرجى مراجعة الاستقبال.',
    cancelled: '{clinic}: تم إلغاء رقمك {number}. إذا كان ذلك خطأً، يرجى مراجعة الاستقبال.',
  },
};

export type TemplateVars = Partial<Record<TemplateVariable, string>>;

/** A brace pair with no brace inside; anything else is left alone (and reported by templateProblems). */
const PLACEHOLDER = /\{([^{}]*)\}/g;

function isTemplateVariable(name: string): name is TemplateVariable {
  return (TEMPLATE_VARIABLES as readonly string[]).includes(name);
}

/**
 * Fills `{name}` for the known variables in one pass: a value is inserted as plain text and never
 * scanned again, so a clinic or department name containing braces or `$&` stays as typed.
 * A known variable without a value becomes ''; an unknown `{foo}` is left visible so a preview shows the mistake.
 */
export function renderTemplate(body: string, vars: TemplateVars): string {
  return body.replace(PLACEHOLDER, (whole, name: string) => (isTemplateVariable(name) ? (vars[name] ?? '') : whole));
}

/** The known variables a body uses, each once, in order of first use. */
export function variablesUsed(body: string): TemplateVariable[] {
  const used = new Set<TemplateVariable>();
  for (const match of body.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (isTemplateVariable(name)) used.add(name);
  }
  return [...used];
}

export interface TemplateProblem {
  path: 'body';
  message: string;
}

const VARIABLE_LIST = TEMPLATE_VARIABLES.map((name) => `{${name}}`).join(', ');

/** Why a body cannot be saved, in words an admin can act on; empty when it is fine. */
export function templateProblems(body: string): TemplateProblem[] {
  const messages = new Set<string>();
  if (body.trim() === '') messages.add('the message is empty');
  if (body.length > MAX_TEMPLATE_LENGTH) messages.add(`the message is ${body.length} characters long; the most is ${MAX_TEMPLATE_LENGTH}`);

  let openedAt: number | null = null;
  for (let at = 0; at < body.length; at++) {
    const char = body[at];
    if (char === '{') {
      // Variables do not nest, so a second `{` means the first was never closed.
      if (openedAt !== null) messages.add(`the { at character ${openedAt + 1} is never closed`);
      openedAt = at;
    } else if (char === '}') {
      if (openedAt === null) {
        messages.add(`the } at character ${at + 1} has no { before it`);
      } else {
        const name = body.slice(openedAt + 1, at);
        if (!isTemplateVariable(name)) messages.add(`unknown variable {${name}}; use one of ${VARIABLE_LIST}`);
        openedAt = null;
      }
    }
  }
  if (openedAt !== null) messages.add(`the { at character ${openedAt + 1} is never closed`);

  return [...messages].map((message) => ({ path: 'body', message }));
}
