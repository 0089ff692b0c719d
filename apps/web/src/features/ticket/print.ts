import { paperFormat, type TicketFormat } from './paper';

/** CSS pixels per millimetre (96 px to the inch). */
const PX_PER_MM = 96 / 25.4;
/** Room below the ticket on a thermal roll, so rounding never pushes its last line onto a second page. */
const THERMAL_SLACK_MM = 4;
const THERMAL_MIN_MM = 60;
const SHEET_CLASS = 'ticket-print';
const PAGE_STYLE_ID = 'ticket-page-size';

/** The page the printer is given: an 80 mm roll as long as this ticket, or one A6 sheet. */
function pageSize(format: TicketFormat, sheet: HTMLElement): string {
  // Chromium knows no A6 keyword (A3–A5, B4, B5, letter…): its size in millimetres.
  if (format === 'a6') return '105mm 148mm';
  const height = Math.max(THERMAL_MIN_MM, Math.ceil(sheet.getBoundingClientRect().height / PX_PER_MM) + THERMAL_SLACK_MM);
  return `80mm ${height}mm`;
}

function clearPrint(): void {
  document.querySelectorAll(`.${SHEET_CLASS}`).forEach((e) => e.remove());
  document.getElementById(PAGE_STYLE_ID)?.remove();
  delete document.body.dataset.print;
}

/**
 * Prints one ticket on one page: a copy of the ticket on screen goes into a sheet of its own (the
 * rest of the page is not printed at all, so no blank second page), and `@page` is sized for the
 * paper. A thermal roll has no page height, so the page is as long as this ticket.
 */
export function printTicket(format: TicketFormat = paperFormat(), ticket: Element | null = document.querySelector('.ticket')): boolean {
  if (!ticket) return false;
  clearPrint();
  const sheet = document.createElement('div');
  sheet.className = SHEET_CLASS;
  sheet.dataset.paper = format;
  // A copy for paper: screen readers already have the ticket on screen.
  sheet.setAttribute('aria-hidden', 'true');
  sheet.append(ticket.cloneNode(true));
  document.body.append(sheet);
  const style = document.createElement('style');
  style.id = PAGE_STYLE_ID;
  style.textContent = `@page { size: ${pageSize(format, sheet)}; margin: 0; }`;
  document.head.append(style);
  document.body.dataset.print = format;
  window.addEventListener('afterprint', clearPrint, { once: true });
  window.print();
  return true;
}
