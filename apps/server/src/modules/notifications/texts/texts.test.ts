import { LANGUAGES, MAX_TEMPLATE_LENGTH, NOTIFICATION_TRIGGERS, TEMPLATE_VARIABLES, type Language } from '@smart-token/contracts';
import { describe, expect, it } from 'vitest';
import { QUICK_REPLY_PAYLOADS, parseInbound, type InboundCommand } from './inbound-commands.js';
import { replyText, type Reply } from './replies.js';
import { smsSegments } from './segments.js';
import { DEFAULT_TEMPLATES, renderTemplate, templateProblems, variablesUsed } from './templates.js';

const SAMPLE_VARS = {
  number: 'CAR-042',
  counter: 'Counter 3',
  minutes: '12',
  statusUrl: 'https://q.example.org/s/abc123',
  department: 'Cardiology',
  clinic: 'Riverside',
} as const;

describe('the default templates', () => {
  it('cover every trigger in every language', () => {
    expect(Object.keys(DEFAULT_TEMPLATES).sort()).toEqual([...LANGUAGES].sort());
    for (const language of LANGUAGES) {
      expect(Object.keys(DEFAULT_TEMPLATES[language]).sort(), language).toEqual([...NOTIFICATION_TRIGGERS].sort());
    }
  });

  it('pass the checks a saved template must pass and use only known variables', () => {
    for (const language of LANGUAGES) {
      for (const trigger of NOTIFICATION_TRIGGERS) {
        const body = DEFAULT_TEMPLATES[language][trigger];
        expect(templateProblems(body), `${language}/${trigger}`).toEqual([]);
        const rendered = renderTemplate(body, SAMPLE_VARS);
        expect(rendered, `${language}/${trigger}`).not.toMatch(/[{}]|undefined/);
      }
    }
  });

  it('use the variables each message is about, in every language', () => {
    const expected: Record<(typeof NOTIFICATION_TRIGGERS)[number], string[]> = {
      issued: ['clinic', 'department', 'number', 'statusUrl'],
      approaching: ['clinic', 'department', 'minutes', 'number'],
      called: ['clinic', 'counter', 'number'],
      recalled: ['clinic', 'counter', 'number'],
      transferred: ['clinic', 'department', 'number'],
      no_show: ['clinic', 'number'],
      cancelled: ['clinic', 'number'],
    };
    for (const language of LANGUAGES) {
      for (const trigger of NOTIFICATION_TRIGGERS) {
        expect(variablesUsed(DEFAULT_TEMPLATES[language][trigger]).sort(), `${language}/${trigger}`).toEqual(expected[trigger]);
      }
    }
  });

  it('name STOP in the first message only', () => {
    for (const language of LANGUAGES) {
      for (const trigger of NOTIFICATION_TRIGGERS) {
        expect(DEFAULT_TEMPLATES[language][trigger].includes('STOP'), `${language}/${trigger}`).toBe(trigger === 'issued');
      }
    }
    expect(DEFAULT_TEMPLATES.en.issued.endsWith('Reply STOP to end messages.')).toBe(true);
  });

  it('keep English in GSM-7 and in one SMS with typical values', () => {
    for (const trigger of NOTIFICATION_TRIGGERS) {
      const sms = smsSegments(renderTemplate(DEFAULT_TEMPLATES.en[trigger], SAMPLE_VARS));
      expect(sms.encoding, trigger).toBe('GSM-7');
      expect(sms.segments, trigger).toBe(1);
    }
  });
});

describe('renderTemplate', () => {
  it('fills every known variable', () => {
    expect(renderTemplate('{clinic}: {number} to {counter} in {minutes} min at {department} {statusUrl}', SAMPLE_VARS)).toBe(
      'Riverside: CAR-042 to Counter 3 in 12 min at Cardiology https://q.example.org/s/abc123',
    );
    expect(renderTemplate(DEFAULT_TEMPLATES.en.called, SAMPLE_VARS)).toBe('Riverside: CAR-042, please go to Counter 3 now.');
  });

  it('turns a missing variable into nothing, never "undefined"', () => {
    expect(renderTemplate('Go to {counter} now, {number}.', { number: 'A-1' })).toBe('Go to  now, A-1.');
  });

  it('inserts values as plain text: no second pass, no replacement patterns', () => {
    expect(renderTemplate('{clinic} / {number}', { clinic: '{number} $& $1 $$', number: 'A-1' })).toBe('{number} $& $1 $$ / A-1');
  });

  it('leaves unknown and malformed placeholders as written', () => {
    expect(renderTemplate('{foo} {constructor} {{number}} {number', { number: 'A-1' })).toBe('{foo} {constructor} {A-1} {number');
  });
});

describe('templateProblems', () => {
  const messages = (body: string) => templateProblems(body).map((problem) => problem.message);

  it('finds nothing wrong with a good template', () => {
    expect(templateProblems('Hello {number}, go to {counter}.')).toEqual([]);
  });

  it('names an unknown variable and lists the ones that exist', () => {
    expect(templateProblems('Hi {name}, your token is {number}')).toEqual([
      { path: 'body', message: `unknown variable {name}; use one of ${TEMPLATE_VARIABLES.map((v) => `{${v}}`).join(', ')}` },
    ]);
    expect(messages('{Number}')[0]).toMatch(/^unknown variable \{Number\}; use one of \{number\}, \{counter\}/);
    expect(messages('{ number }')[0]).toMatch(/^unknown variable \{ number \}/);
  });

  it('reports the same unknown variable once', () => {
    expect(messages('{foo} and {foo}')).toHaveLength(1);
  });

  it('finds an unclosed brace, at the end or before another', () => {
    expect(messages('Go to {counter')).toEqual(['the { at character 7 is never closed']);
    expect(messages('{number {counter}')).toEqual(['the { at character 1 is never closed']);
    expect(messages('{{number}}')).toEqual(['the { at character 1 is never closed', 'the } at character 10 has no { before it']);
  });

  it('finds a stray closing brace', () => {
    expect(messages('Token {number}} now')).toEqual(['the } at character 15 has no { before it']);
    expect(messages('} {number}')).toEqual(['the } at character 1 has no { before it']);
  });

  it('refuses an empty or blank body', () => {
    expect(messages('')).toEqual(['the message is empty']);
    expect(messages('  \n ')).toEqual(['the message is empty']);
  });

  it('refuses a body longer than the limit, and only then', () => {
    expect(templateProblems('a'.repeat(MAX_TEMPLATE_LENGTH))).toEqual([]);
    expect(messages('a'.repeat(MAX_TEMPLATE_LENGTH + 1))).toEqual([`the message is ${MAX_TEMPLATE_LENGTH + 1} characters long; the most is ${MAX_TEMPLATE_LENGTH}`]);
  });
});

describe('smsSegments', () => {
  it('fits 160 GSM-7 characters in one part and splits longer texts into parts of 153', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', characters: 160, segments: 1 });
    expect(smsSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', characters: 161, segments: 2 });
    expect(smsSegments('a'.repeat(306)).segments).toBe(2);
    expect(smsSegments('a'.repeat(307)).segments).toBe(3);
  });

  it('treats the whole default alphabet as GSM-7, accents, Greek capitals and newlines included', () => {
    const alphabet = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
    expect(smsSegments(alphabet)).toEqual({ encoding: 'GSM-7', characters: alphabet.length, segments: 1 });
  });

  it('counts the extension characters as two septets', () => {
    expect(smsSegments('^{}\\[~]|€')).toEqual({ encoding: 'GSM-7', characters: 18, segments: 1 });
    expect(smsSegments(`${'a'.repeat(158)}€`)).toEqual({ encoding: 'GSM-7', characters: 160, segments: 1 });
    expect(smsSegments(`${'a'.repeat(159)}€`)).toEqual({ encoding: 'GSM-7', characters: 161, segments: 2 });
  });

  it('never splits an escape pair across two parts', () => {
    // 306 septets would fill two parts exactly, but the euro cannot straddle the boundary.
    expect(smsSegments(`${'a'.repeat(152)}€${'a'.repeat(152)}`)).toEqual({ encoding: 'GSM-7', characters: 306, segments: 3 });
    expect(smsSegments(`${'a'.repeat(151)}€${'a'.repeat(153)}`)).toEqual({ encoding: 'GSM-7', characters: 306, segments: 2 });
  });

  it('switches to UCS-2 for anything outside GSM-7: 70 in one part, 67 per part after', () => {
    expect(smsSegments('ç')).toEqual({ encoding: 'UCS-2', characters: 1, segments: 1 });
    expect(smsSegments('’')).toMatchObject({ encoding: 'UCS-2' });
    expect(smsSegments(`${'a'.repeat(69)}–`)).toEqual({ encoding: 'UCS-2', characters: 70, segments: 1 });
    expect(smsSegments(`${'a'.repeat(70)}–`)).toEqual({ encoding: 'UCS-2', characters: 71, segments: 2 });
    expect(smsSegments(`${'a'.repeat(133)}–`).segments).toBe(2);
    expect(smsSegments(`${'a'.repeat(134)}–`).segments).toBe(3);
  });

  it('sends Hindi and Arabic as UCS-2', () => {
    expect(smsSegments('नमस्ते')).toEqual({ encoding: 'UCS-2', characters: 6, segments: 1 });
    expect(smsSegments('مرحبا')).toEqual({ encoding: 'UCS-2', characters: 5, segments: 1 });
    for (const language of ['hi', 'ar'] as const) {
      expect(smsSegments(renderTemplate(DEFAULT_TEMPLATES[language].called, SAMPLE_VARS)).encoding).toBe('UCS-2');
    }
  });

  it('counts an emoji as two code units and keeps it whole', () => {
    expect(smsSegments('👍')).toEqual({ encoding: 'UCS-2', characters: 2, segments: 1 });
    expect(smsSegments(`${'a'.repeat(68)}👍`)).toEqual({ encoding: 'UCS-2', characters: 70, segments: 1 });
    expect(smsSegments(`${'a'.repeat(69)}👍`)).toEqual({ encoding: 'UCS-2', characters: 71, segments: 2 });
    // 134 units would fill two parts, but the surrogate pair cannot straddle the boundary.
    expect(smsSegments(`${'a'.repeat(66)}👍${'a'.repeat(66)}`)).toEqual({ encoding: 'UCS-2', characters: 134, segments: 3 });
  });

  it('counts an empty text as nothing to send', () => {
    expect(smsSegments('')).toEqual({ encoding: 'GSM-7', characters: 0, segments: 0 });
  });
});

describe('parseInbound', () => {
  const cases: [string, InboundCommand][] = [
    // English, with the noise people type.
    ['STATUS', { kind: 'status', language: 'en' }],
    ['  status?  ', { kind: 'status', language: 'en' }],
    ['Cancel.', { kind: 'cancel', language: 'en' }],
    ['yes', { kind: 'yes', language: 'en' }],
    ['Y', { kind: 'yes', language: 'en' }],
    ['No!', { kind: 'no', language: 'en' }],
    ['n', { kind: 'no', language: 'en' }],
    ['Stop', { kind: 'stop', language: 'en' }],
    ['STOPALL', { kind: 'stop', language: 'en' }],
    ['unsubscribe', { kind: 'stop', language: 'en' }],
    ['END', { kind: 'stop', language: 'en' }],
    ['quit', { kind: 'stop', language: 'en' }],
    ['start', { kind: 'start', language: 'en' }],
    ['UNSTOP', { kind: 'start', language: 'en' }],
    ['Subscribe', { kind: 'start', language: 'en' }],
    ['HELP', { kind: 'help', language: 'en' }],
    ['info', { kind: 'help', language: 'en' }],
    ['LATE', { kind: 'late', minutes: 15, language: 'en' }],
    ['late 20', { kind: 'late', minutes: 20, language: 'en' }],
    ['  LATE    30   MIN. ', { kind: 'late', minutes: 30, language: 'en' }],
    ['late 45 minutes', { kind: 'late', minutes: 45, language: 'en' }],
    ['late10', { kind: 'late', minutes: 10, language: 'en' }],
    ['late 2', { kind: 'late', minutes: 5, language: 'en' }],
    ['late 0', { kind: 'late', minutes: 5, language: 'en' }],
    ['late 90', { kind: 'late', minutes: 60, language: 'en' }],
    [`late ${'9'.repeat(400)}`, { kind: 'late', minutes: 60, language: 'en' }],
    // Hindi, Devanagari digits and the romanised "der" included.
    ['स्थिति', { kind: 'status', language: 'hi' }],
    ['देर', { kind: 'late', minutes: 15, language: 'hi' }],
    ['देर 15', { kind: 'late', minutes: 15, language: 'hi' }],
    ['देर १५', { kind: 'late', minutes: 15, language: 'hi' }],
    ['देर २० मिनट।', { kind: 'late', minutes: 20, language: 'hi' }],
    ['der 25', { kind: 'late', minutes: 25, language: 'hi' }],
    ['DER', { kind: 'late', minutes: 15, language: 'hi' }],
    ['रद्द', { kind: 'cancel', language: 'hi' }],
    ['हाँ', { kind: 'yes', language: 'hi' }],
    ['हां', { kind: 'yes', language: 'hi' }],
    ['नहीं।', { kind: 'no', language: 'hi' }],
    // Chandrabindu for anusvara, a common keyboard variant.
    ['नहीँ', { kind: 'no', language: 'hi' }],
    ['रोकें', { kind: 'stop', language: 'hi' }],
    ['बंद', { kind: 'stop', language: 'hi' }],
    ['शुरू', { kind: 'start', language: 'hi' }],
    ['मदद', { kind: 'help', language: 'hi' }],
    // Arabic, with Arabic-Indic digits, hamza-less spellings and a direction mark.
    ['حالة', { kind: 'status', language: 'ar' }],
    ['حاله؟', { kind: 'status', language: 'ar' }],
    ['تأخير', { kind: 'late', minutes: 15, language: 'ar' }],
    ['تأخير 15', { kind: 'late', minutes: 15, language: 'ar' }],
    ['تأخير ١٥', { kind: 'late', minutes: 15, language: 'ar' }],
    ['تاخير ٣٠ دقيقة', { kind: 'late', minutes: 30, language: 'ar' }],
    ['إلغاء', { kind: 'cancel', language: 'ar' }],
    ['الغاء', { kind: 'cancel', language: 'ar' }],
    ['نعم', { kind: 'yes', language: 'ar' }],
    ['لا', { kind: 'no', language: 'ar' }],
    ['توقف', { kind: 'stop', language: 'ar' }],
    ['\u200fإيقاف', { kind: 'stop', language: 'ar' }],
    ['ايقاف', { kind: 'stop', language: 'ar' }],
    ['ابدأ', { kind: 'start', language: 'ar' }],
    ['ابدا', { kind: 'start', language: 'ar' }],
    ['مساعدة', { kind: 'help', language: 'ar' }],
  ];

  it.each(cases)('reads %j', (text, expected) => {
    expect(parseInbound(text)).toEqual(expected);
  });

  it('does not act on a keyword inside a sentence, bare digits or an unknown unit', () => {
    for (const text of ['I will cancel tomorrow', 'please stop', 'stop by later', '15', '१५', 'late tomorrow', 'late 15 hours', '15 late', 'hello', '', '   ', '?!']) {
      expect(parseInbound(text), text).toEqual({ kind: 'unknown' });
    }
  });

  it('reads the WhatsApp quick-reply payloads before the text, taking the language from a known label', () => {
    expect(QUICK_REPLY_PAYLOADS).toEqual({ status: 'STATUS', late: 'LATE_15', cancel: 'CANCEL' });
    expect(parseInbound('Where am I?', QUICK_REPLY_PAYLOADS.status)).toEqual({ kind: 'status' });
    expect(parseInbound('I am running late', QUICK_REPLY_PAYLOADS.late)).toEqual({ kind: 'late', minutes: 15 });
    expect(parseInbound('Cancel my token', QUICK_REPLY_PAYLOADS.cancel)).toEqual({ kind: 'cancel' });
    expect(parseInbound('स्थिति', QUICK_REPLY_PAYLOADS.status)).toEqual({ kind: 'status', language: 'hi' });
    expect(parseInbound('إلغاء', QUICK_REPLY_PAYLOADS.cancel)).toEqual({ kind: 'cancel', language: 'ar' });
    // The payload wins even when the label reads as something else.
    expect(parseInbound('STOP', QUICK_REPLY_PAYLOADS.late)).toEqual({ kind: 'late', minutes: 15, language: 'en' });
  });

  it('falls back to the text when the payload is not one of ours', () => {
    expect(parseInbound('HELP', 'SOMETHING_ELSE')).toEqual({ kind: 'help', language: 'en' });
    expect(parseInbound('hello', '')).toEqual({ kind: 'unknown' });
  });
});

describe('replyText', () => {
  const everyReply: Reply[] = [
    { kind: 'status', number: 'CAR-042', position: 3, minMinutes: 10, maxMinutes: 20, department: 'Cardiology' },
    { kind: 'status', number: 'CAR-042', position: 1, minMinutes: 0, maxMinutes: 5, department: 'Cardiology' },
    { kind: 'status', number: 'CAR-042', position: 0, minMinutes: 0, maxMinutes: 0, department: 'Cardiology', counter: 'Counter 3' },
    { kind: 'late-ok', number: 'CAR-042', minutes: 20 },
    { kind: 'late-refused', number: 'CAR-042', reason: 'used' },
    { kind: 'late-refused', number: 'CAR-042', reason: 'not-waiting' },
    { kind: 'cancel-confirm', number: 'CAR-042' },
    { kind: 'cancelled', number: 'CAR-042' },
    { kind: 'cancel-not-possible', number: 'CAR-042' },
    { kind: 'stopped' },
    { kind: 'started' },
    { kind: 'help' },
    { kind: 'neutral' },
  ];

  it('has a distinct, filled-in text for every reply in every language', () => {
    for (const language of LANGUAGES) {
      const texts = everyReply.map((reply) => replyText(language, reply));
      for (const [index, text] of texts.entries()) {
        expect(text.trim().length, `${language} ${JSON.stringify(everyReply[index])}`).toBeGreaterThan(10);
        expect(text, language).not.toMatch(/undefined|NaN|\$\{/);
      }
      expect(new Set(texts).size, language).toBe(texts.length);
    }
  });

  it('speaks each language in its own script', () => {
    const script: Record<Language, RegExp> = { en: /^[\x20-\x7e]+$/, hi: /[\u0900-\u097f]/, ar: /[\u0600-\u06ff]/ };
    for (const language of LANGUAGES) {
      for (const reply of everyReply) expect(replyText(language, reply), language).toMatch(script[language]);
    }
  });

  it('tells a called patient where to go, and a waiting one their place and wait', () => {
    expect(replyText('en', everyReply[2]!)).toBe('CAR-042: you have been called. Please go to Counter 3 now.');
    expect(replyText('en', everyReply[0]!)).toBe('CAR-042: you are number 3 in the line for Cardiology, about 10-20 min.');
    expect(replyText('en', everyReply[1]!)).toBe('CAR-042: you are next in the line for Cardiology, about 0-5 min.');
    expect(replyText('en', { ...(everyReply[0] as Extract<Reply, { kind: 'status' }>), minMinutes: 15, maxMinutes: 15 })).toMatch(/about 15 min\.$/);
    expect(replyText('en', { ...(everyReply[0] as Extract<Reply, { kind: 'status' }>), minMinutes: 25, maxMinutes: 10 })).toMatch(/about 10-25 min\.$/);
    for (const language of LANGUAGES) {
      expect(replyText(language, everyReply[2]!), language).toContain('Counter 3');
      expect(replyText(language, everyReply[0]!), language).toMatch(/Cardiology.*10-20/);
    }
  });

  it('puts the number and minutes into the replies that are about them', () => {
    for (const language of LANGUAGES) {
      for (const reply of everyReply) {
        if ('number' in reply) expect(replyText(language, reply), `${language} ${reply.kind}`).toContain(reply.number);
      }
      expect(replyText(language, { kind: 'late-ok', number: 'A-1', minutes: 35 }), language).toContain('35');
    }
  });

  it('lists the commands in help, in every language', () => {
    for (const language of LANGUAGES) {
      const help = replyText(language, { kind: 'help' });
      for (const command of ['STATUS', 'LATE 15', 'CANCEL', 'STOP', 'START']) expect(help, `${language} ${command}`).toContain(command);
    }
    expect(smsSegments(replyText('en', { kind: 'help' }))).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });

  it('makes the Hindi and Arabic words in help ones parseInbound understands', () => {
    const named: Record<'hi' | 'ar', string[]> = { hi: ['स्थिति', 'देर 15', 'रद्द', 'रोकें', 'शुरू', 'मदद'], ar: ['حالة', 'تأخير 15', 'إلغاء', 'توقف', 'ابدأ', 'مساعدة'] };
    for (const language of ['hi', 'ar'] as const) {
      for (const word of named[language]) {
        const replies = [replyText(language, { kind: 'help' }), replyText(language, { kind: 'neutral' }), replyText(language, { kind: 'started' })].join(' ');
        if (word !== 'शुरू' && word !== 'ابدأ' && word !== 'मदद' && word !== 'مساعدة') expect(replyText(language, { kind: 'help' })).toContain(word);
        else expect(replies).toContain(word);
        expect(parseInbound(word).language, word).toBe(language);
      }
    }
  });

  it('answers a stranger with the same text whoever asks, revealing nothing', () => {
    for (const language of LANGUAGES) {
      const neutral = replyText(language, { kind: 'neutral' });
      // Extra fields a caller might leave on the object must not leak into the text.
      const leaky = { kind: 'neutral', number: 'CAR-042', department: 'Oncology', position: 4 } as unknown as Reply;
      expect(replyText(language, leaky)).toBe(neutral);
      expect(neutral, language).not.toMatch(/\d|CAR|Oncology/);
      expect(neutral, language).toContain('HELP');
    }
    expect(replyText('en', { kind: 'neutral' })).toBe('Smart Token: reply HELP for the commands we understand.');
  });
});
