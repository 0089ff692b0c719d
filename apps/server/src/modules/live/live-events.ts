import type { LiveEventType, Token, TokenAction } from '@smart-token/contracts';

/** A committed queue change as it travels to screens: numbered per department, with the full token. */
export interface PendingEvent {
  departmentId: string;
  seq: number;
  type: LiveEventType;
  at: number;
  token: Token;
  counterName?: string;
  /** Where a waiting token stands in its department's line (call-order lane, arrival); never sent to clients. */
  order?: LineOrder;
}

export interface LineOrder {
  lane: number;
  queuedAt: number;
}

const BY_ACTION: Record<Exclude<TokenAction, 'issue'>, LiveEventType> = {
  call: 'token.called',
  recall: 'token.recalled',
  start: 'token.started',
  complete: 'token.completed',
  transfer: 'token.transferred',
  park: 'token.parked',
  return: 'queue.changed',
  no_show: 'token.no_show',
  cancel: 'token.cancelled',
  undo: 'queue.changed',
};

/** The event a transition makes: a recall past the limit is a no-show, a completion onward a transfer. */
export function eventTypeOf(action: Exclude<TokenAction, 'issue'>, after: { status: string }): LiveEventType {
  if (action === 'recall' && after.status === 'no_show') return 'token.no_show';
  if (action === 'complete' && after.status === 'waiting') return 'token.transferred';
  return BY_ACTION[action];
}
