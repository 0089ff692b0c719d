import type { ActorKind } from '@smart-token/contracts';
import type { TFunction } from 'i18next';
import { registerMessages } from '../../i18n';

/**
 * The server writes a history entry's reason as an English phrase (API: `history[].reason`); the
 * journey shows the ones it knows in the reader's language, a department by its name in that
 * language. A reason typed by a person (a cancellation's) is shown as they wrote it. Who acted comes
 * as a kind (`history[].byKind`): the server's own actors are said in the reader's language.
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

/** The server's own actors, by kind; a person is shown by name. */
const ACTORS: Record<Exclude<ActorKind, 'person'>, string> = { system: 'actor.system', 'self-check-in': 'actor.selfCheckIn' };

/**
 * A history entry's reason in the reader's language (undefined when its action says it already);
 * `actionText` names an undone action, `department` the department a transfer or sending on went to
 * (the entry's own department) in the reader's language, instead of the English name in the text.
 */
export function reasonText(reason: string, t: TFunction<'journey'>, actionText: (action: string) => string, department?: string): string | undefined {
  for (const [pattern, key, values] of REASONS) {
    const match = pattern.exec(reason);
    if (!match) continue;
    if (key === undefined) return undefined;
    const filled = values(match);
    if (filled.department !== undefined && department) filled.department = department;
    return t(key, filled.action ? { ...filled, action: actionText(filled.action) } : filled);
  }
  return reason;
}

/** Who did it, by its kind: undefined for a person (the screen names them), the server's own actors in the reader's language. */
export function actorText(kind: ActorKind, t: TFunction<'journey'>): string | undefined {
  return kind === 'person' ? undefined : t(ACTORS[kind]);
}
