import { config } from 'zod';

/**
 * zod builds fast object parsers with `new Function` when it may, and to find out it tries one as
 * each object schema is made. Our CSP has no 'unsafe-eval': the browser reports that probe as a
 * `securitypolicyviolation` on every screen (and to any report endpoint), though zod catches the
 * refusal. Without JIT, zod never asks. Imported first in main.tsx, before the contracts make their schemas.
 */
config({ jitless: true });
