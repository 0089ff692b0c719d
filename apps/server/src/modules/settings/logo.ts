import { LOGO_TYPES, MAX_LOGO_BYTES } from '@smart-token/contracts';
import { ValidationError } from '../../errors.js';

export type LogoType = (typeof LOGO_TYPES)[number];

export interface Logo {
  type: LogoType;
  bytes: Buffer;
}

const DATA_URL = /^data:([a-z]+\/[a-z0-9.+-]+);base64,([A-Za-z0-9+/]*={0,2})$/i;

/** The first bytes each format starts with: the picture must be what its data URL says. */
const SIGNATURES: Record<LogoType, (b: Buffer) => boolean> = {
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/webp': (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
};

const refuse = (detail: string, message: string) => new ValidationError(detail, [{ path: 'logoDataUrl', message }]);

/** A logo from the admin's data URL, or a 400 that says what is wrong with it (LOGO_MAX_KB caps its size). */
export function parseLogo(dataUrl: string, maxBytes = MAX_LOGO_BYTES): Logo {
  const match = DATA_URL.exec(dataUrl);
  if (!match) throw refuse('The logo must be a picture file (PNG, JPEG or WebP).', 'must be a data: URL of a PNG, JPEG or WebP picture');
  const type = match[1]!.toLowerCase();
  if (type === 'image/svg+xml') throw refuse('SVG logos are not accepted; save the logo as PNG or JPEG and try again.', 'SVG is not accepted; use PNG, JPEG or WebP');
  if (!(LOGO_TYPES as readonly string[]).includes(type)) throw refuse('The logo must be a PNG, JPEG or WebP picture.', 'must be a PNG, JPEG or WebP picture');
  const bytes = Buffer.from(match[2]!, 'base64');
  if (bytes.length === 0) throw refuse('The logo file is empty.', 'is empty');
  if (bytes.length > maxBytes) throw refuse(`The logo is too large (${Math.ceil(bytes.length / 1024)} KB); it may be at most ${Math.floor(maxBytes / 1024)} KB.`, `must be at most ${Math.floor(maxBytes / 1024)} KB`);
  if (!SIGNATURES[type as LogoType](bytes)) throw refuse(`The logo file is not a ${type.slice('image/'.length).toUpperCase()} picture.`, `is not a ${type} picture`);
  return { type: type as LogoType, bytes };
}
