import { timingSafeEqual } from 'node:crypto';
import type { CheckInResponse, JoinPage, PublicStatus } from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import { AppError, ForbiddenError, NotFoundError, RateLimitedError, ValidationError } from '../../errors.js';
import type { Principal } from '../auth/auth.service.js';
import type { JoinCodes } from '../departments/join-codes.js';
import type { Clock } from '../../lib/clock.js';
import type { DepartmentsService } from '../departments/departments.service.js';
import type { IdempotencyRequest } from '../idempotency/idempotency.js';
import { STATUS_LOOKUP_LOCKOUT, countFailureUnlessLocked, lockedFor } from '../lockouts/lockouts.js';
import type { Actor, QueueService } from '../queue/queue.service.js';
import { SELF_CHECK_IN_ACTOR } from '../queue/tokens.js';

const SELF_CHECK_IN: Actor = SELF_CHECK_IN_ACTOR;
/** Compared against when no token has the number, so a wrong number costs what wrong digits cost. */
const NO_DIGITS = '\u0000\u0000\u0000\u0000';

const sameDigits = (a: string, b: string): boolean => {
  const x = Buffer.from(a.padEnd(4, '\u0000').slice(0, 4));
  const y = Buffer.from(b.padEnd(4, '\u0000').slice(0, 4));
  return x.length === y.length && timingSafeEqual(x, y);
};

const lockedOut = (number: string, lockedMs: number) =>
  new RateLimitedError(`Too many wrong tries for token ${number}; ask at the desk or try again later.`, lockedMs / 1000);

export function createPublicService(deps: {
  database: Database;
  clock: Clock;
  queue: QueueService;
  departments: Pick<DepartmentsService, 'findDepartment'>;
  joinCodes: Pick<JoinCodes, 'accepts'>;
}) {
  const { database, clock, queue, departments, joinCodes } = deps;

  /** A kiosk (device or signed-in kiosk account) whose departments include this one. */
  const isKioskOf = (caller: Principal | undefined, departmentId: string): boolean =>
    caller?.role === 'kiosk' && (caller.departmentIds === undefined || caller.departmentIds.includes(departmentId));

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

    /** What the phone join page shows: only for a department that takes phone check-in. */
    async joinPage(departmentId: string): Promise<JoinPage> {
      const dept = await departments.findDepartment(departmentId);
      if (!dept || dept.self_check_in !== 'phone' || dept.active !== 1) throw new NotFoundError('This department does not take check-in by phone; please go to reception.');
      return { departmentName: dept.name, names: { ...(dept.name_hi !== null && { hi: dept.name_hi }), ...(dept.name_ar !== null && { ar: dept.name_ar }) } };
    },

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

    /**
     * Self check-in as the department allows it: `off` nobody; `kiosk` a kiosk of the department;
     * `phone` anyone with the current join code from the waiting area's poster (or a kiosk of the department).
     */
    async checkIn(
      input: { departmentId: string; name: string; phone: string; notify?: { channel: 'sms' | 'whatsapp'; consent: true }; joinCode?: string },
      idempotency?: IdempotencyRequest,
      caller?: Principal,
    ): Promise<CheckInResponse> {
      const dept = await departments.findDepartment(input.departmentId);
      if (!dept) throw new ValidationError('That department does not exist.', [{ path: 'departmentId', message: 'no such department' }]);
      if (dept.self_check_in === 'off') {
        throw new AppError('SELF_CHECK_IN_DISABLED', 403, `${dept.name} does not take self check-in; please go to reception.`);
      }
      if (!isKioskOf(caller, dept.id)) {
        if (dept.self_check_in === 'kiosk') throw new AppError('SELF_CHECK_IN_DISABLED', 403, `${dept.name} takes self check-in at its kiosks only; please use the kiosk or go to reception.`);
        if (input.joinCode === undefined || !joinCodes.accepts(dept, input.joinCode)) {
          throw new ForbiddenError(`The join code for ${dept.name} is missing or out of date; scan the QR code in the waiting area again.`);
        }
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
