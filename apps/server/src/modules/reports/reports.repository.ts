import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

type Db = Kysely<DB>;

/** Per department: tokens issued on the day, and how many of them were cancelled. */
export async function issuedOn(db: Db, day: string) {
  return db
    .selectFrom('tokens')
    .where('issue_day', '=', day)
    .groupBy('issued_department_id')
    .select((eb) => [
      'issued_department_id as departmentId',
      eb.fn.countAll<number>().as('issued'),
      eb.fn.sum<number>(eb.case().when('status', '=', 'cancelled').then(1).else(0).end()).as('cancelled'),
    ])
    .execute();
}

/** No-shows by the department where the patient was not there (the token's current one). */
export async function noShowsOn(db: Db, day: string) {
  return db
    .selectFrom('tokens')
    .where('issue_day', '=', day)
    .where('status', '=', 'no_show')
    .groupBy('department_id')
    .select((eb) => ['department_id as departmentId', eb.fn.countAll<number>().as('n')])
    .execute();
}

export async function waitingNow(db: Db) {
  return db
    .selectFrom('tokens')
    .where('status', '=', 'waiting')
    .groupBy('department_id')
    .select((eb) => ['department_id as departmentId', eb.fn.countAll<number>().as('n')])
    .execute();
}

/** Services finished for the day's tokens, per counter (and its department). */
export async function servedOn(db: Db, day: string) {
  return db
    .selectFrom('services as s')
    .innerJoin('token_transitions as tt', 'tt.id', 's.transition_id')
    .innerJoin('tokens as t', 't.id', 'tt.token_id')
    .where('t.issue_day', '=', day)
    .groupBy(['s.department_id', 's.counter_id'])
    .select((eb) => ['s.department_id as departmentId', 's.counter_id as counterId', eb.fn.countAll<number>().as('n')])
    .execute();
}

/**
 * Each call of the day's tokens, with how long the patient had waited: from the step that put the
 * token in the line (issue, transfer, return after park…, the transition just before) to the call.
 * Milliseconds and a department id only.
 */
export async function waitsOn(db: Db, day: string) {
  return db
    .selectFrom('token_transitions as c')
    .innerJoin('token_transitions as p', (join) => join.onRef('p.token_id', '=', 'c.token_id').on((eb) => eb('p.version', '=', eb('c.version', '-', 1))))
    .innerJoin('tokens as t', 't.id', 'c.token_id')
    .where('t.issue_day', '=', day)
    .where('c.action', '=', 'call')
    .select((eb) => ['c.department_id as departmentId', eb('c.at', '-', eb.ref('p.at')).as('waitMs')])
    .orderBy('waitMs')
    .execute();
}
