#!/usr/bin/env node
/**
 * Fails (exit 1) when the patient status page ships more than 60 KB of gzipped JavaScript: its
 * entry plus every chunk it imports, statically or on demand. It reads the built app (apps/web/dist
 * unless a directory is given): the Vite manifest when the build wrote one, otherwise status.html's
 * script and modulepreload tags, following the imports inside each file.
 *
 *   node apps/web/scripts/check-status-size.mjs [distDir] [--limit-kb=60]
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const DEFAULT_LIMIT_KB = 60;
const KB = 1024;

const args = process.argv.slice(2);
const limitArg = args.find((a) => a.startsWith('--limit-kb='));
const limitKb = limitArg ? Number(limitArg.slice('--limit-kb='.length)) : DEFAULT_LIMIT_KB;
const distArg = args.find((a) => !a.startsWith('--'));
const dist = resolve(distArg ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'dist'));

function fail(message) {
  console.error(`check-status-size: ${message}`);
  process.exit(1);
}

if (!Number.isFinite(limitKb) || limitKb <= 0) fail(`--limit-kb must be a positive number, not ${limitArg}`);
if (!existsSync(join(dist, 'status.html'))) fail(`no status.html in ${dist}: build the web app first (npm run build)`);

/** A path from the HTML or an import, as a file inside dist; undefined for things we cannot measure. */
function inDist(url, fromFile) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//')) fail(`the status page loads ${url} from elsewhere; its size cannot be checked`);
  const clean = url.split(/[?#]/)[0];
  const file = normalize(clean.startsWith('/') ? join(dist, clean) : join(dirname(fromFile), clean));
  if (!file.startsWith(dist + sep)) fail(`${url} points outside ${dist}`);
  return file;
}

/** The status page's JavaScript files, from the manifest when there is one. */
function fromManifest() {
  const path = [join(dist, '.vite', 'manifest.json'), join(dist, 'manifest.json')].find(existsSync);
  if (!path) return undefined;
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry && (k === 'status.html' || k.endsWith('/status.html')));
  if (!entryKey) return undefined;
  const files = new Set();
  const visit = (key) => {
    const chunk = manifest[key];
    if (!chunk) return;
    const file = join(dist, chunk.file);
    if (files.has(file)) return;
    if (file.endsWith('.js') || file.endsWith('.mjs')) files.add(file);
    for (const next of [...(chunk.imports ?? []), ...(chunk.dynamicImports ?? [])]) visit(next);
  };
  visit(entryKey);
  return files;
}

const IMPORT_PATTERNS = [
  /\bimport\s*\(\s*["'`]([^"'`]+)["'`]\s*\)/g, // import("./x.js")
  /\b(?:import|export)\s*(?:[\w*${}\s,]+from\s*)?["']([^"']+\.m?js)["']/g, // import x from"./x.js", import"./x.js", export * from "./x.js"
];

/** The status page's JavaScript files, from the HTML's tags and the imports they contain. */
function fromHtml() {
  const html = readFileSync(join(dist, 'status.html'), 'utf8');
  const htmlFile = join(dist, 'status.html');
  const start = [];
  for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) {
    const src = /\bsrc\s*=\s*["']?([^"'\s>]+)/i.exec(tag)?.[1];
    if (src) start.push(inDist(src, htmlFile));
  }
  for (const tag of html.match(/<link\b[^>]*>/gi) ?? []) {
    if (!/\brel\s*=\s*["']?modulepreload/i.test(tag)) continue;
    const href = /\bhref\s*=\s*["']?([^"'\s>]+)/i.exec(tag)?.[1];
    if (href) start.push(inDist(href, htmlFile));
  }
  const files = new Set();
  const visit = (file) => {
    if (files.has(file)) return;
    if (!existsSync(file)) fail(`status.html needs ${relative(dist, file)}, which is not in ${dist}`);
    files.add(file);
    const code = readFileSync(file, 'utf8');
    for (const pattern of IMPORT_PATTERNS) {
      for (const match of code.matchAll(pattern)) {
        const spec = match[1];
        if (spec.startsWith('.') || spec.startsWith('/')) visit(inDist(spec, file));
      }
    }
  };
  start.forEach(visit);
  // Inline module code counts too.
  const inline = [...html.matchAll(/<script\b(?![^>]*\bsrc\s*=)[^>]*>([\s\S]*?)<\/script>/gi)].map((m) => m[1]).join('\n');
  return { files, inline };
}

const manifestFiles = fromManifest();
const { files, inline } = manifestFiles ? { files: manifestFiles, inline: '' } : fromHtml();
if (files.size === 0 && inline.trim() === '') fail('status.html loads no JavaScript: is this the built page?');

const rows = [...files].map((file) => {
  const bytes = readFileSync(file);
  return { name: relative(dist, file), raw: bytes.length, gzip: gzipSync(bytes).length };
});
if (inline.trim() !== '') rows.push({ name: 'status.html (inline scripts)', raw: Buffer.byteLength(inline), gzip: gzipSync(inline).length });

const total = rows.reduce((sum, r) => sum + r.gzip, 0);
const fmt = (bytes) => `${(bytes / KB).toFixed(2)} KB`;
const over = total > limitKb * KB;
// The total comes first: the first size on the output is the one that counts.
const verdict = `${over ? 'FAIL' : 'OK'} status page JavaScript: ${fmt(total)} gzipped (${total} bytes, limit ${limitKb} KB) in ${rows.length} file(s)`;
console.log(verdict);
for (const r of rows) console.log(`  ${r.name}: ${fmt(r.gzip)} gzipped, ${fmt(r.raw)} raw`);
if (over) {
  console.error(verdict);
  process.exit(1);
}
