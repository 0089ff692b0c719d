import { inflateSync } from 'node:zlib';

/** Points per millimetre in a PDF (72 to the inch). */
export const PT_PER_MM = 72 / 25.4;

/** The PDF's objects as text, with their FlateDecode streams inflated (Chromium may pack page dictionaries in object streams). */
function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  let text = raw;
  for (const match of raw.matchAll(/\/FlateDecode[^>]*>>\s*stream\r?\n/g)) {
    const start = match.index + match[0].length;
    const end = raw.indexOf('endstream', start);
    try {
      text += `\n${inflateSync(pdf.subarray(start, end)).toString('latin1')}`;
    } catch {
      // Not every stream inflates on its own (images): they hold no page dictionaries.
    }
  }
  return text;
}

/** Each page's size in millimetres, from its `/Type /Page` dictionary's MediaBox, in a tiny reading of the PDF. */
export function pdfPages(pdf: Buffer): { widthMm: number; heightMm: number }[] {
  const text = pdfText(pdf);
  const pages: { widthMm: number; heightMm: number }[] = [];
  for (const match of text.matchAll(/\/Type\s*\/Page(?!s)\b/g)) {
    // The MediaBox of this dictionary: search around the /Type entry, within its << … >>.
    const from = text.lastIndexOf('<<', match.index);
    const to = text.indexOf('>>', match.index + 1);
    const dict = text.slice(from, Math.max(to, match.index + 200));
    const box = /\/MediaBox\s*\[\s*([\d.-]+)\s+([\d.-]+)\s+([\d.-]+)\s+([\d.-]+)\s*\]/.exec(dict) ?? /\/MediaBox\s*\[\s*([\d.-]+)\s+([\d.-]+)\s+([\d.-]+)\s+([\d.-]+)\s*\]/.exec(text);
    if (!box) throw new Error('a page without a MediaBox');
    const [x0, y0, x1, y1] = box.slice(1, 5).map(Number) as [number, number, number, number];
    pages.push({ widthMm: (x1 - x0) / PT_PER_MM, heightMm: (y1 - y0) / PT_PER_MM });
  }
  return pages;
}
