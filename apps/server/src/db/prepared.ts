import { sql, type CompiledQuery, type Compilable, type Kysely, type QueryResult, type RawBuilder } from 'kysely';
import type { DB } from './schema.js';

/** Marks a parameter while the query is built once; replaced by the caller's values on every run. */
const SENTINEL = '\u0000param:';

export type Params<P extends string> = Readonly<Record<P, never>>;

/**
 * A hot query built and compiled by Kysely once per dialect, then run with new parameter values:
 * the builder, its node tree and the compiler cost nothing per request (they were most of Kysely's
 * share of a request's CPU). `build` names each parameter through `p`; any other value in it is a
 * constant (the same on every run), so build from `p` and constants only.
 */
export function prepared<P extends string, R>(build: (db: Kysely<DB>, p: Params<P>) => Compilable<R> | RawBuilder<R>) {
  /** Per dialect: the compiled query and, for each parameter slot, the caller's name or a constant. */
  const byDialect = new Map<unknown, { compiled: CompiledQuery<R>; slots: ({ name: P } | { constant: unknown })[] }>();
  const names = new Proxy({}, { get: (_target, name) => `${SENTINEL}${String(name)}` }) as Params<P>;

  return (db: Kysely<DB>, values: Readonly<Record<P, unknown>>): Promise<QueryResult<R>> => {
    const adapter = db.getExecutor().adapter.constructor;
    let entry = byDialect.get(adapter);
    if (!entry) {
      // A query builder compiles by itself; a raw `sql` statement with the executor.
      const compiled = (build(db, names) as { compile(db: Kysely<DB>): CompiledQuery<R> }).compile(db);
      const slots = compiled.parameters.map((value) =>
        typeof value === 'string' && value.startsWith(SENTINEL) ? { name: value.slice(SENTINEL.length) as P } : { constant: value },
      );
      byDialect.set(adapter, (entry = { compiled, slots }));
    }
    const { compiled, slots } = entry;
    return db.executeQuery<R>({ ...compiled, parameters: slots.map((slot) => ('name' in slot ? values[slot.name] : slot.constant)) });
  };
}

/** The named parameters for a row's columns, in the shape `values(...)` and `set(...)` take. */
export function columns<C extends string>(p: Params<C>, names: readonly C[]): Record<C, never> {
  return Object.fromEntries(names.map((name) => [name, p[name]])) as Record<C, never>;
}

/** `(a, b, c) values ($1, $2, $3)` for a raw insert, the values named `<prefix><column>`. */
export function insertList<C extends string, X extends string>(p: Params<X>, names: readonly C[], prefix: string): RawBuilder<unknown> {
  const params = p as Readonly<Record<string, never>>;
  return sql`(${sql.join(names.map((name) => sql.ref(name)))}) values (${sql.join(names.map((name) => params[`${prefix}${name}`]))})`;
}
