import type { Queue, Token } from '@smart-token/contracts';

/** Why a waiting token has the place it has: a fresh normal token stands last, for this reason (API.md). */
const ARRIVAL_ORDER = 'arrival order';

/** How the change reached us: a token just issued is the newest of the line; anything else may stand anywhere. */
export type Arrival = 'issued' | 'changed';

type Listed = Pick<Token, 'id'>;
const without = <T extends Listed>(list: T[], id: string): T[] => list.filter((t) => t.id !== id);

/**
 * A department's queue after one of its tokens changed, worked out here when that is exact, so a
 * live event costs no request. Undefined when only the server knows the answer: a token entering the
 * waiting line anywhere but at its end (call order has lanes and ageing), or a line longer than the
 * list holds (someone past the list's end would move up into it).
 *
 * Applying the same change twice gives the same queue, so an event that repeats what a response or a
 * reload already showed does nothing.
 */
export function queueWithToken(queue: Queue, departmentId: string, token: Token, arrival: Arrival): Queue | undefined {
  if (queue.waiting.length < queue.waitingCount) return undefined;
  const here = token.departmentId === departmentId;
  const index = queue.waiting.findIndex((t) => t.id === token.id);

  let waiting: Queue['waiting'];
  if (here && token.status === 'waiting') {
    const listed = queue.waiting[index];
    if (listed) {
      // Still waiting where it was (an event repeated after a reload): same place, same reason.
      waiting = queue.waiting.map((t) => (t.id === token.id ? { ...token, reason: listed.reason, position: listed.position } : t));
    } else if (arrival === 'issued' && token.priority === 'normal') {
      waiting = [...queue.waiting, { ...token, reason: ARRIVAL_ORDER }];
    } else {
      return undefined;
    }
  } else {
    waiting = index === -1 ? queue.waiting : without(queue.waiting, token.id);
  }

  const place = (status: 'called' | 'serving' | 'parked', list: Token[]) => {
    const rest = without(list, token.id);
    // The server lists these latest change first.
    return here && token.status === status ? [token, ...rest] : rest;
  };
  return {
    waiting: waiting.map((t, i) => (t.position === i + 1 ? t : { ...t, position: i + 1 })),
    waitingCount: waiting.length,
    called: place('called', queue.called),
    serving: place('serving', queue.serving),
    parked: place('parked', queue.parked),
  };
}
