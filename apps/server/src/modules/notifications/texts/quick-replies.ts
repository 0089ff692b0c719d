import type { Language, NotificationTrigger } from '@smart-token/contracts';
import { QUICK_REPLY_PAYLOADS } from './inbound-commands.js';

/**
 * A WhatsApp message with quick-reply buttons, as a Twilio Content template (`twilio/quick-reply`):
 * the message's text goes in as variable 1, between a fixed lead and tail (WhatsApp does not approve a
 * template whose body starts or ends with a variable), and each button answers with its payload.
 */
export interface QuickReplyTemplate {
  language: Language;
  /** The template's body: `{{1}}` is the message. */
  body: string;
  /** At most three: WhatsApp's limit for a message sent within a conversation without approval. */
  buttons: readonly { id: string; title: string }[];
}

/** The messages a patient can act on: they come with Status, Late and Cancel buttons on WhatsApp. */
export const TRIGGERS_WITH_BUTTONS: ReadonlySet<NotificationTrigger> = new Set(['issued', 'approaching']);

/** Button titles stay within WhatsApp's 20 characters. */
const TEXTS: Record<Language, { lead: string; tail: string; status: string; late: string; cancel: string }> = {
  en: { lead: 'Queue update:', tail: 'Tap a button to reply.', status: 'Status', late: 'Late 15 min', cancel: 'Cancel' },
  hi: { lead: 'कतार की जानकारी:', tail: 'जवाब देने के लिए बटन दबाएँ।', status: 'स्थिति', late: '15 मिनट देर', cancel: 'रद्द करें' },
  ar: { lead: 'تحديث الدور:', tail: 'اضغط زرًا للرد.', status: 'الحالة', late: 'تأخير 15 دقيقة', cancel: 'إلغاء' },
};

export function quickReplyTemplate(language: Language): QuickReplyTemplate {
  const t = TEXTS[language];
  return {
    language,
    body: `${t.lead}\n{{1}}\n${t.tail}`,
    buttons: [
      { id: QUICK_REPLY_PAYLOADS.status, title: t.status },
      { id: QUICK_REPLY_PAYLOADS.late, title: t.late },
      { id: QUICK_REPLY_PAYLOADS.cancel, title: t.cancel },
    ],
  };
}
