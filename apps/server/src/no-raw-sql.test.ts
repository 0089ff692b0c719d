import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Issue 15 item 6: every query is parameterised. Kysely's builder and its `sql` template turn each
 * value into a bound parameter; the only ways to put text into SQL itself are `sql.raw`, `sql.lit`,
 * the identifier helpers (`sql.ref`, `sql.id`, `sql.table`) and a driver's own `query`/`exec`/
 * `prepare`. This walks the server's source with the type checker and allows those only with
 * values fixed in the code: number or boolean literals' types, string literal types (constants),
 * and templates whose every part is a number. A request's string can never reach one of them.
 */
const SERVER = join(import.meta.dirname, '..');
const RAW_HELPERS = new Set(['raw', 'lit', 'ref', 'id', 'table']);
const DRIVER_CALLS = new Set(['query', 'exec', 'prepare']);

function program(): ts.Program {
  const configPath = join(SERVER, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, SERVER);
  return ts.createProgram({ rootNames: parsed.fileNames, options: { ...parsed.options, noEmit: true } });
}

/** A type fixed in the code: a literal (or a union of literals), a number or a boolean. */
function fixed(type: ts.Type): boolean {
  if (type.isUnion()) return type.types.every(fixed);
  return type.isLiteral() || (type.flags & (ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.Null | ts.TypeFlags.Undefined)) !== 0;
}

function fixedText(node: ts.Expression, checker: ts.TypeChecker): boolean {
  if (ts.isNoSubstitutionTemplateLiteral(node) || ts.isStringLiteral(node)) return true;
  if (ts.isTemplateExpression(node)) return node.templateSpans.every((span) => fixed(checker.getTypeAtLocation(span.expression)));
  return fixed(checker.getTypeAtLocation(node));
}

/** Reviewed exceptions, each with why no request's text can reach it. */
const REVIEWED: Record<string, string> = {
  'src/db/database.ts sqlite.prepare(text)': 'the statement cache under Kysely: `text` is the SQL Kysely compiled, values bound apart',
  'src/db/prepared.ts sql.ref(name)': 'insertList: `name` is a column of the caller’s constant column lists (C extends string)',
};

interface Finding {
  where: string;
  call: string;
}

function findings(prog: ts.Program): { unsafe: Finding[]; checked: number } {
  const checker = prog.getTypeChecker();
  const unsafe: Finding[] = [];
  let checked = 0;
  for (const file of prog.getSourceFiles()) {
    if (file.isDeclarationFile || !file.fileName.startsWith(join(SERVER, 'src'))) continue;
    const visit = (node: ts.Node) => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
        const name = node.expression.name.text;
        const target = node.expression.expression;
        const isSqlHelper = ts.isIdentifier(target) && target.text === 'sql' && RAW_HELPERS.has(name);
        // A driver's own call: on the pg client or a better-sqlite3 database (not RegExp#exec).
        const receiver = checker.typeToString(checker.getTypeAtLocation(target));
        const isDriverCall = DRIVER_CALLS.has(name) && /Client|Pool|Database|PoolClient/.test(receiver);
        if (isSqlHelper || isDriverCall) {
          checked += 1;
          // Only the SQL text must be fixed: a driver's values after it travel as parameters.
          const text = node.arguments[0];
          if (text !== undefined && !fixedText(text, checker)) {
            const { line } = file.getLineAndCharacterOfPosition(node.getStart());
            unsafe.push({ where: `${file.fileName.slice(SERVER.length + 1)}:${line + 1}`, call: node.getText(file).slice(0, 120) });
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return { unsafe, checked };
}

describe('SQL text comes only from the code', () => {
  it('passes no value that could come from a request into sql.raw, sql.lit, sql.ref/id/table or a driver call', () => {
    const { unsafe, checked } = findings(program());
    const key = (f: Finding) => `${f.where.replace(/:\d+$/, '')} ${f.call}`;
    expect(unsafe.filter((f) => !(key(f) in REVIEWED))).toEqual([]);
    // An exception whose call is gone is taken off the list, so the list stays what the code does.
    expect(Object.keys(REVIEWED).filter((k) => !unsafe.some((f) => key(f) === k))).toEqual([]);
    // The walk really sees the helpers (the queue's writes use them), so an empty list means something.
    expect(checked).toBeGreaterThan(20);
  });

  it('would name a request’s string passed to sql.raw or sql.lit', () => {
    const source = `
      import { sql } from 'kysely';
      declare const body: { name: string };
      export const a = sql.raw(body.name);
      export const b = sql.lit(\`x\${body.name}\`);
      export const c = sql.lit(10);
      export const d = sql.raw(\`l\${1 + 1}\`);
    `;
    const fileName = join(SERVER, 'src', 'raw-sql-sample.ts');
    const host = ts.createCompilerHost({ strict: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext });
    const read = host.getSourceFile.bind(host);
    host.getSourceFile = (name, version) => (name === fileName ? ts.createSourceFile(name, source, version) : read(name, version));
    const prog = ts.createProgram({ rootNames: [fileName], options: { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext }, host });
    expect(findings(prog).unsafe.map((f) => f.where)).toEqual(['src/raw-sql-sample.ts:4', 'src/raw-sql-sample.ts:5']);
  });
});
