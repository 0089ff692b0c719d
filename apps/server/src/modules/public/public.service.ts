import { timingSafeEqual } from 'node:crypto';
import type { CheckInResponse, PublicStatus } from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import { AppError, NotFoundError, RateLimitedError, ValidationError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import type { DepartmentsService } from '../departments/departments.service.js';
import type { IdempotencyRequest } from '../idempotency/idempotency.js';
import { STATUS_LOOKUP_LOCKOUT, countFailureUnlessLocked, lockedFor } from '../lockouts/lockouts.js';
import type { Actor, QueueService } from '../queue/queue.service.js';

const SELF_CHECK_IN: Actor = { id: null, label: 'self check-in' };
/** Compared against when no token has the number, so a wrong number costs what wrong digits cost. */
const NO_DIGITS = '\u0000\u0000\u0000\u0000';

const sameDigits = (a: string, b: string): boolean => {
  const x = Buffer.from(a.padEnd(4, '\u0000').slice(0, 4));
  const y = Buffer.from(b.padEnd(4, '\u0000').slice(0, 4));
  return x.length === y.length && timingSafeEqual(x, y);
};

const lockedOut = (number: string, lockedMs: number) =>
  new RateLimitedError(`Too many wrong tries for token ${number}; ask at the desk or try again later.`, lockedMs / 1000);

export function createPublicService(deps: { database: Database; clock: Clock; queue: QueueService; departments: Pick<DepartmentsService, 'findDepartment'> }) {
  const { database, clock, queue, departments } = deps;

  /** The token behind a number + digits lookup (for the live status topic too), under the same lockout. */
  async function findToken(number: string, phoneLast4: string) {
    const now = clock.now();
    const token = await queue.findTodaysToken(number);
    const matches = sameDigits(token?.phoneLast4 ?? NO_DIGITS, phoneLast4) && token !== undefined;
    if (!matches) {
      // Counted and checked in one step, so parallel guesses get no more answers than sequential ones.
      const locked = await database.transact((trx) => countFailureUnlessLocked(trx, STATUS_LOOKUP_LOCKOUT, number, now));
      if (locked > 0) throw lockedOut(number, locked);
      throw new NotFoundError('No token today matches that number and those digits.');
    }
    const locked = await lockedFor(database.db, STATUS_LOOKUP_LOCKOUT, number, now);
    if (locked > 0) throw lockedOut(number, locked);
    return token;
  }

  return {
    findToken,

    /**
     * Token number + last four phone digits. A wrong number and wrong digits take the same path and
     * the same answer; five failures for one number lock its lookup, whoever is asking.
     */
    async lookup(number: string, phoneLast4: string): Promise<PublicStatus> {
      return (await findToken(number, phoneLast4)).status();
    },

    async byKey(statusKey: string): Promise<PublicStatus> {
      const status = await queue.statusByKey(statusKey);
      if (!status) throw new NotFoundError('This status link is not valid.');
      return status;
    },

    async checkIn(input: { departmentId: string; name: string; phone: string; notify?: { channel: 'sms' | 'whatsapp'; consent: true } }, idempotency?: IdempotencyRequest): Promise<CheckInResponse> {
      const dept = await departments.findDepartment(input.departmentId);
      if (!dept) throw new ValidationError('That department does not exist.', [{ path: 'departmentId', message: 'no such department' }]);
      if (dept.self_check_in !== 1) {
        throw new AppError('SELF_CHECK_IN_DISABLED', 403, `${dept.name} does not take self check-in; please go to reception.`);
      }
      const token = await queue.issue(
        SELF_CHECK_IN,
        { departmentId: dept.id, patient: { name: input.name, phone: input.phone }, ...(input.notify && { notify: input.notify }) },
        idempotency,
      );
      return {
        number: token.number,
        statusKey: token.statusKey!,
        statusUrl: token.statusUrl!,
        position: token.position!,
        estimatedWait: token.estimatedWait!,
      };
    },
  };
}

export type PublicService = ReturnType<typeof createPublicService>;
