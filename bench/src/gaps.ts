import type { Figure, Results } from './report.js';

/** One paragraph per figure that missed its target (or could not be measured), from the run's own data. */
export function gaps(r: Results, list: Figure[]): string {
  const missed = list.filter((f) => f.verdict === 'MISS' || f.verdict === 'INVALID');
  if (missed.length === 0) return 'Every target was met in this run.';
  return missed.map((f) => `- **${f.id} ${f.name}**: ${f.measured} against ${f.target} (${f.verdict}).`).join('\n');
}
