import type { Config } from './config.js';

export interface BannerInput {
  config: Pick<Config, 'host' | 'publicUrl' | 'publicUrlSource'>;
  /** The port the server really listens on (PORT=0 picks one). */
  port: number;
  /** What ensureFirstAdmin made on this start, if anything. */
  admin: { email: string; password?: string } | undefined;
}

const ANY_ADDRESS = new Set(['0.0.0.0', '::', '[::]']);

/** Where phones are sent by status links and QR codes, and what to do when they cannot get there. */
function phoneLines({ config }: BannerInput): string[] {
  const url = config.publicUrl;
  switch (config.publicUrlSource) {
    case 'PUBLIC_URL':
      return [`Status links and QR codes point to ${url} (PUBLIC_URL).`];
    case 'lan':
      return [`Status links and QR codes point to ${url}, this machine's address on the local network: phones on the same Wi-Fi can open them. Set PUBLIC_URL to use another address.`];
    case 'host':
      return [`Status links and QR codes point to ${url} (HOST). Set PUBLIC_URL if phones reach this server by another address.`];
    case 'no-lan':
      return [
        `Warning: this machine has no local network address, so status links and QR codes point to ${url}, which phones cannot open.`,
        '  Connect it to the network and restart, or set PUBLIC_URL to the address phones reach (e.g. PUBLIC_URL=http://192.168.1.20:3000).',
      ];
    case 'loopback':
      return [
        `Warning: the server listens on ${config.host} (this machine only), so status links and QR codes point to ${url}, which phones cannot open.`,
        '  To let phones, TV boards and kiosks reach it: restart with HOST=0.0.0.0 (links then use this machine\'s local network address),',
        '  or set PUBLIC_URL to the address phones reach (e.g. PUBLIC_URL=https://queue.example-clinic.org behind a proxy).',
      ];
  }
}

/** Admins must turn on 2FA at their first sign-in (modules/auth): the operator should have the phone ready. */
const FIRST_SIGN_IN_2FA = 'At this first sign-in you will set up two-step sign-in: have an authenticator app ready on your phone.';

function signInLine({ admin }: BannerInput): string {
  if (admin?.password) return `First start: sign in as ${admin.email} with password ${admin.password}  (shown once; change it). ${FIRST_SIGN_IN_2FA}`;
  if (admin) return `First start: sign in as ${admin.email} with ADMIN_PASSWORD. ${FIRST_SIGN_IN_2FA}`;
  // Accounts exist (the first start made an admin): how to get in when a password is lost.
  return 'Sign in with your staff account. A forgotten password: npm run cli -- reset-password --email <email>';
}

/**
 * What the start prints after every log line of the start-up, so it is what the operator sees:
 * the address, where phones will be sent, and how to sign in.
 */
export function startBanner(input: BannerInput): string {
  const host = ANY_ADDRESS.has(input.config.host) ? 'localhost' : input.config.host.includes(':') && !input.config.host.startsWith('[') ? `[${input.config.host}]` : input.config.host;
  const url = `http://${host}:${input.port}`;
  const lines = [
    '',
    `Smart Token is running at ${url}  (API docs: ${url}/api/docs)`,
    ...phoneLines(input),
    signInLine(input),
    '',
  ];
  return `${lines.join('\n')}`;
}
