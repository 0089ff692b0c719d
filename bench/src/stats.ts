/** The middle of the values (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(values: number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v));
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), n: finite.length };
}

export const mean2 = (a: number, b: number): number => (a + b) / 2;

export const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
export const ms = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(n < 10 ? 2 : 1)} ms` : '—');
export const cpuMs = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(3)} ms` : '—');
export const ratio = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '—');
export const mb = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(0)} MB` : '—');

/** The unit a formatted number ends with (" ms", " tx/s", "×"), so a range can leave it out. */
const unitOf = (text: string): string => /[^\d.,]*$/.exec(text)?.[0] ?? '';

/** "540 req/s (512–560)": the median and, with more than one value, the range around it. */
export function withRange(s: Spread, format: (n: number) => string): string {
  if (s.n === 0) return '—';
  const median = format(s.median);
  if (s.n === 1 || s.min === s.max) return median;
  const unit = unitOf(median);
  const bare = (n: number) => {
    const text = format(n);
    return unit && text.endsWith(unit) ? text.slice(0, -unit.length) : text;
  };
  const [low, high] = [bare(s.min), bare(s.max)];
  return low === high ? median : `${median} (${low}–${high})`;
}

/** A Markdown table with padded columns (readable as plain text on the console too). */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}
