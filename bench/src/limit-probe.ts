/**
 * `node bench/dist/limit-probe.js`: the cost of a bound LIMIT (`limit ?`, which is how Kysely sends
 * every `.limit(n)`) against a literal one, on the bundled SQLite. Evidence for bench/FINDINGS.md.
 */
import SQLite from 'better-sqlite3';

const ROWS = 5_000;
const WARMUP = 500;
const RUNS = 20_000;

const db = new SQLite(':memory:');
db.exec('create table t (a integer not null, b integer not null, c text not null); create index t_ab on t (a, b);');
const insert = db.prepare('insert into t values (?, ?, ?)');
db.transaction(() => {
  for (let i = 0; i < ROWS; i++) insert.run(i % 10, i, 'x'.repeat(50));
})();

function time(label: string, sql: string, ...params: number[]): number {
  const statement = db.prepare(sql);
  for (let i = 0; i < WARMUP; i++) statement.all(...params);
  const started = process.hrtime.bigint();
  for (let i = 0; i < RUNS; i++) statement.all(...params);
  const us = Number(process.hrtime.bigint() - started) / RUNS / 1000;
  process.stdout.write(`${label.padEnd(44)} ${us.toFixed(2)} µs\n`);
  return us;
}

function prepareTime(sql: string): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < RUNS / 10; i++) db.prepare(sql);
  return Number(process.hrtime.bigint() - started) / (RUNS / 10) / 1000;
}

const version = (db.prepare('select sqlite_version() as v').get() as { v: string }).v;
const stat4 = (db.pragma('compile_options') as { compile_options: string }[]).some((o) => o.compile_options === 'ENABLE_STAT4');
process.stdout.write(`SQLite ${version}, ENABLE_STAT4 ${stat4 ? 'on' : 'off'}; ${RUNS} runs each of a prepared (cached) statement\n`);
const bound = time('where a = ? order by b limit ?', 'select * from t where a = ? order by b limit ?', 3, 1);
const literal = time('where a = ? order by b limit 1', 'select * from t where a = ? order by b limit 1', 3);
time('where a = ? and b = ? (no limit)', 'select * from t where a = ? and b = ?', 3, 3);
const prepare = prepareTime('select * from t where a = ? order by b limit ?');
process.stdout.write(`bound LIMIT costs ${(bound / literal).toFixed(1)}× a literal one; the difference (${(bound - literal).toFixed(1)} µs) is about one prepare (${prepare.toFixed(1)} µs)\n`);
db.close();
