/** "Asha Rao" → "A.R.": enough for a patient to recognise their call, not enough to name them. */
export function initialsOf(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 3)
    .map((part) => `${[...part][0]!.toUpperCase()}.`)
    .join('');
}
