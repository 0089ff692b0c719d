import { describe, expect, it } from 'vitest';
import { defaultSettings, fromStored } from './department-settings.js';

describe('a department’s saved notification settings', () => {
  it('keep what was saved and take the default for a channel added since (browser notifications)', () => {
    const savedBeforePush = JSON.stringify({ ...defaultSettings('d1'), channels: { sms: false, whatsapp: true }, maxMessagesPerToken: 4 });
    const read = fromStored('d1', savedBeforePush);
    expect(read.channels).toEqual({ sms: false, whatsapp: true, push: true });
    expect(read.maxMessagesPerToken).toBe(4);
  });

  it('fall back to the defaults when the saved value no longer fits, and keep the asked department', () => {
    const broken = JSON.stringify({ maxMessagesPerToken: 'many', departmentId: 'other' });
    expect(fromStored('d2', broken)).toEqual(defaultSettings('d2'));
    expect(fromStored('d3', JSON.stringify({ departmentId: 'other' })).departmentId).toBe('d3');
  });
});
