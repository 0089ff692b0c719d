import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { CounterRow, DepartmentRow } from '../departments/departments.repository.js';

/**
 * What the queue needs to know of departments and counters: served from the departments module's
 * cache. Inside a transaction, pass it (`trx`): SQLite has one connection and the transaction holds
 * it, so a read through the pool would wait for the transaction that waits for it.
 */
export interface DepartmentLookup {
  department(id: string, trx?: Kysely<DB>): Promise<DepartmentRow | undefined>;
  counter(id: string, trx?: Kysely<DB>): Promise<CounterRow | undefined>;
  counters(departmentId: string, trx?: Kysely<DB>): Promise<CounterRow[]>;
}
