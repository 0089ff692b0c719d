import type { TFunction } from 'i18next';
import { registerMessages } from '../../i18n';

/**
 * The server writes a history entry's reason and actor as English phrases (API: `history[].reason`,
 * `history[].by`); the journey shows the ones it knows in the reader's language. A reason typed by
 * a person (a cancellation's) is shown as they wrote it.
 */
registerMessages('journey', {
  en: {
    'reason.noAnswer': 'no answer after {{count}} calls',
    'reason.transferred': 'moved to {{department}}',
    'reason.sentOn': 'sent on to {{department}}',
    'reason.undid': 'undid: {{action}}',
    'reason.reprinted': 'ticket reprinted; the earlier status link no longer works',
    'actor.system': 'automatically',
    'actor.selfCheckIn': 'self check-in',
  },
  hi: {
    'reason.noAnswer': '{{count}} बार बुलाने पर भी कोई जवाब नहीं',
    'reason.transferred': '{{department}} में भेजा गया',
    'reason.sentOn': 'आगे {{department}} भेजा गया',
    'reason.undid': 'वापस लिया: {{action}}',
    'reason.reprinted': 'टिकट फिर से छपा; पुराना स्टेटस लिंक अब काम नहीं करता',
    'actor.system': 'अपने आप',
    'actor.selfCheckIn': 'स्वयं चेक-इन',
  },
  ar: {
    'reason.noAnswer': 'لا استجابة بعد {{count}} نداءات',
    'reason.transferred': 'نُقل إلى {{department}}',
    'reason.sentOn': 'أُرسل إلى {{department}}',
    'reason.undid': 'تراجع عن: {{action}}',
    'reason.reprinted': 'أُعيدت طباعة التذكرة؛ رابط الحالة السابق لم يعد يعمل',
    'actor.system': 'تلقائيًا',
    'actor.selfCheckIn': 'تسجيل الوصول الذاتي',
  },
});

/**
 * Reasons the server writes, as patterns: the key of their sentence and the values it takes; no key
 * when the action's own label already says it ("Back in line after park (returned after park)").
 */
const REASONS: [RegExp, string | undefined, (m: RegExpExecArray) => Record<string, string>][] = [
  [/^returned after park$/, undefined, () => ({})],
  [/^no answer after (\d+) recalls$/, 'reason.noAnswer', (m) => ({ count: m[1]! })],
  [/^transferred to (.+)$/, 'reason.transferred', (m) => ({ department: m[1]! })],
  [/^sent on to (.+)$/, 'reason.sentOn', (m) => ({ department: m[1]! })],
  [/^undid (\w+)$/, 'reason.undid', (m) => ({ action: m[1]! })],
  [/^ticket reprinted; the earlier status link no longer works$/, 'reason.reprinted', () => ({})],
];

/** Labels the server gives to actions nobody at a screen took. */
const ACTORS: Record<string, string> = { system: 'actor.system', 'self check-in': 'actor.selfCheckIn' };

/** A history entry's reason in the reader's language (undefined when its action says it already); `actionText` names an undone action. */
export function reasonText(reason: string, t: TFunction<'journey'>, actionText: (action: string) => string): string | undefined {
  for (const [pattern, key, values] of REASONS) {
    const match = pattern.exec(reason);
    if (!match) continue;
    if (key === undefined) return undefined;
    const filled = values(match);
    return t(key, filled.action ? { ...filled, action: actionText(filled.action) } : filled);
  }
  return reason;
}

/** Who did it: a person's name as it is, the server's own labels in the reader's language. */
export function actorText(by: string, t: TFunction<'journey'>): string | undefined {
  const key = ACTORS[by];
  return key ? t(key) : undefined;
}
