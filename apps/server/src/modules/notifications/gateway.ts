import type { Gateway, UpdateGateway } from '@smart-token/contracts';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { sha256 } from '../../lib/ids.js';
import { cipherOf, ENCRYPTED_SETTINGS, settingAad } from '../keys/encrypted-columns.js';
import { readSetting, writeSetting } from '../settings/settings.repository.js';
import { createOutboxLog } from './outbox-log.js';
import { createTwilioGateway, GatewayError, type ContentSidStore, type OutgoingMessage, type TwilioGateway } from './twilio/twilio-gateway.js';
import { webhookUrl } from './twilio/twilio-webhook.js';

export const STATUS_CALLBACK_PATH = '/api/v1/public/webhooks/twilio/status';
export const INBOUND_PATH = '/api/v1/public/webhooks/twilio/inbound';

/** Twilio's settings from the environment (config.ts): they win over the admin screen's. */
export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  fromSms: string | null;
  fromWhatsapp: string | null;
}

/** Where messages go now: Twilio, or the outbox log when no gateway is set (so `npm start` needs no account). */
export interface ActiveGateway {
  kind: 'twilio' | 'outbox';
  send(message: OutgoingMessage): Promise<{ providerId: string | null; deliveredVia: 'sms' | 'whatsapp' | 'outbox' }>;
  /** The auth token that signs Twilio's webhooks; undefined: no webhook can be genuine. */
  authToken: string | undefined;
}

/** The admin's Twilio settings; `keys rotate` re-encrypts their auth token (ENCRYPTED_SETTINGS). */
const SETTING_KEY = ENCRYPTED_SETTINGS.twilioAuthToken.key;
const CONTENT_SETTING_PREFIX = 'notifications.quick-replies.';
const TOKEN_AAD = settingAad(SETTING_KEY);

interface StoredGateway {
  accountSid: string;
  /** `enc1.…` under the keyring, bound to this setting. */
  authToken: string;
  fromSms: string | null;
  fromWhatsapp: string | null;
}

/** The number as the outbox log shows it: enough to tell messages apart, not enough to call the patient. */
const masked = (phone: string) => `…${phone.slice(-4)}`;

export function createGateways(deps: { db: Kysely<DB>; env: TwilioSettings | undefined; apiUrl: string; publicUrl: string; outboxFile: string; now: () => number }) {
  let cached: { at: number; gateway: ActiveGateway } | undefined;
  const CACHE_MS = 2_000;

  async function stored(db: Kysely<DB> = deps.db): Promise<StoredGateway | undefined> {
    const row = await readSetting(db, SETTING_KEY);
    return row ? (JSON.parse(row.value) as StoredGateway) : undefined;
  }

  /** The quick-reply templates made on this account, kept in the settings (one made per account, not per start). */
  const contentSidsOf = (accountSid: string): ContentSidStore => {
    // Setting keys are at most 64 characters: the account by a short hash.
    const settingKey = (key: string) => `${CONTENT_SETTING_PREFIX}${sha256(accountSid).slice(0, 12)}.${key}`;
    return {
      get: async (key) => (await readSetting(deps.db, settingKey(key)))?.value,
      set: (key, sid) => writeSetting(deps.db, settingKey(key), sid, deps.now()),
    };
  };

  function twilio(settings: TwilioSettings): ActiveGateway {
    const client: TwilioGateway = createTwilioGateway({
      accountSid: settings.accountSid,
      authToken: settings.authToken,
      apiUrl: deps.apiUrl,
      fromSms: settings.fromSms,
      fromWhatsapp: settings.fromWhatsapp,
      statusCallbackUrl: webhookUrl(deps.publicUrl, STATUS_CALLBACK_PATH),
      contentSids: contentSidsOf(settings.accountSid),
    });
    return {
      kind: 'twilio',
      authToken: settings.authToken,
      async send(message) {
        const sent = await client.send(message);
        return { providerId: sent.providerId, deliveredVia: message.channel };
      },
    };
  }

  const outboxLog = createOutboxLog(deps.outboxFile);
  const outbox: ActiveGateway = {
    kind: 'outbox',
    authToken: undefined,
    async send(message) {
      // One JSON line per message, for the clinic to see what would have gone out before it has an account.
      const line = JSON.stringify({ at: new Date(deps.now()).toISOString(), channel: message.channel, to: masked(message.to), body: message.body });
      try {
        await outboxLog.append(line);
      } catch (error) {
        throw new GatewayError(`the outbox log cannot be written: ${error instanceof Error ? error.message : String(error)}`, { retryable: true });
      }
      return { providerId: null, deliveredVia: 'outbox' };
    },
  };

  /** The Twilio gateway is made again only when its settings change: it keeps what it learnt (templates made, refusals). */
  let made: { settings: string; gateway: ActiveGateway } | undefined;
  function twilioFor(settings: TwilioSettings): ActiveGateway {
    const key = JSON.stringify(settings);
    if (made?.settings !== key) made = { settings: key, gateway: twilio(settings) };
    return made.gateway;
  }

  async function resolveActive(): Promise<ActiveGateway> {
    if (deps.env) return twilioFor(deps.env);
    const saved = await stored();
    if (!saved) return outbox;
    return twilioFor({ ...saved, authToken: cipherOf(deps.db).decrypt(saved.authToken, TOKEN_AAD) });
  }

  return {
    async active(): Promise<ActiveGateway> {
      if (cached && deps.now() - cached.at < CACHE_MS) return cached.gateway;
      cached = { at: deps.now(), gateway: await resolveActive() };
      return cached.gateway;
    },

    async describe(): Promise<Gateway> {
      if (deps.env) return { provider: 'twilio', source: 'environment', accountSid: deps.env.accountSid, fromSms: deps.env.fromSms, fromWhatsapp: deps.env.fromWhatsapp, authTokenSet: true };
      const saved = await stored();
      if (!saved) return { provider: 'outbox', source: 'none', accountSid: null, fromSms: null, fromWhatsapp: null, authTokenSet: false };
      return { provider: 'twilio', source: 'admin', accountSid: saved.accountSid, fromSms: saved.fromSms, fromWhatsapp: saved.fromWhatsapp, authTokenSet: true };
    },

    /** The admin's settings; the auth token is kept encrypted and never shown again. Returns false when none was ever given. */
    async save(change: UpdateGateway, trx: Kysely<DB> = deps.db): Promise<boolean> {
      const saved = await stored(trx);
      const authToken = change.authToken === undefined ? saved?.authToken : cipherOf(trx).encrypt(change.authToken, TOKEN_AAD);
      if (!authToken) return false;
      const value: StoredGateway = { accountSid: change.accountSid, authToken, fromSms: change.fromSms, fromWhatsapp: change.fromWhatsapp };
      await writeSetting(trx, SETTING_KEY, JSON.stringify(value), deps.now());
      cached = undefined;
      return true;
    },

    fromEnvironment: deps.env !== undefined,
  };
}

export type Gateways = ReturnType<typeof createGateways>;
