import type {
  MAX_TEMPLATE_LENGTH as SERVER_MAX_TEMPLATE_LENGTH,
  NOTIFICATION_TRIGGERS as SERVER_TRIGGERS,
  DEPARTMENT_CHANNELS as SERVER_DEPARTMENT_CHANNELS,
  PATIENT_CHANNELS as SERVER_CHANNELS,
  TEMPLATE_VARIABLES as SERVER_VARIABLES,
} from '@smart-token/contracts';

// Values, not imports: a value import from the contracts would pull zod into the staff bundle. The types keep them in step.
export const TRIGGERS: typeof SERVER_TRIGGERS = ['issued', 'approaching', 'called', 'recalled', 'transferred', 'no_show', 'cancelled'];
export const CHANNELS: typeof SERVER_CHANNELS = ['sms', 'whatsapp'];
export const DEPARTMENT_CHANNELS: typeof SERVER_DEPARTMENT_CHANNELS = ['sms', 'whatsapp', 'push'];
export const VARIABLES: typeof SERVER_VARIABLES = ['number', 'counter', 'minutes', 'statusUrl', 'department', 'clinic'];
export const MAX_TEMPLATE_LENGTH: typeof SERVER_MAX_TEMPLATE_LENGTH = 640;

const VARIABLE_IN_BRACES = /\{([^{}]*)\}/g;

/** Names in braces that are not variables (`{room}`), each once, in the order written. */
export function unknownVariables(body: string): string[] {
  const known = new Set<string>(VARIABLES);
  return [...new Set([...body.matchAll(VARIABLE_IN_BRACES)].map((m) => m[1] ?? '').filter((name) => !known.has(name)))];
}

