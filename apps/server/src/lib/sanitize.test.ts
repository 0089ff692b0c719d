import { describe, expect, it } from 'vitest';
import { isIdentifier, normalizeEmail, normalizePhone, safeFilename, safeHttpUrl, sanitizeHtml } from './sanitize.js';

describe('sanitizeHtml', () => {
  it('keeps the small allow-list and drops scripts, handlers, styles and dangerous links', () => {
    expect(sanitizeHtml('<b>Clinic</b> closes at <em>5</em>')).toBe('<b>Clinic</b> closes at <em>5</em>');
    for (const hostile of [
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      '<svg onload=alert(1)>',
      '<iframe src="https://evil.example"></iframe>',
      '<a href="javascript:alert(1)">x</a>',
      '<a href="JaVaScRiPt:alert(1)">x</a>',
      '<a href="data:text/html,<script>alert(1)</script>">x</a>',
      '<p style="background:url(javascript:alert(1))">x</p>',
      '<b onclick="alert(1)">x</b>',
      '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    ]) {
      const clean = sanitizeHtml(hostile);
      expect(clean, hostile).not.toMatch(/<script|onerror|onload|onclick|javascript:|<iframe|<svg|<img|style=|data:text/i);
    }
    expect(sanitizeHtml('<a href="https://clinic.example/hours" target="_blank">hours</a>')).toBe('<a href="https://clinic.example/hours" rel="noopener noreferrer">hours</a>');
  });
});

describe('normalizeEmail', () => {
  it('lower-cases and trims a real address and refuses everything else', () => {
    expect(normalizeEmail('  Asha.Rao@Clinic.Example ')).toBe('asha.rao@clinic.example');
    expect(normalizeEmail("o'brien@clinic.example")).toBe("o'brien@clinic.example");
    for (const bad of ['', 'no-at-sign', 'a@b', 'Asha <asha@clinic.example>', 'a@clinic.example\r\nBcc: x@evil.example', 'a@@clinic.example', `${'a'.repeat(250)}@x.example`, 'a@-clinic.example']) {
      expect(normalizeEmail(bad), bad).toBeUndefined();
    }
  });
});

describe('normalizePhone', () => {
  it('gives E.164 in the clinic’s region and refuses what is not a number', () => {
    expect(normalizePhone('98123 45678', 'IN')).toBe('+919812345678');
    expect(normalizePhone('+44 20 7946 0958', 'IN')).toBe('+442079460958');
    for (const bad of ["' OR 1=1 --", '<script>', '123', '+91 98 7654', '98123456789012345']) expect(normalizePhone(bad, 'IN'), bad).toBeUndefined();
  });
});

describe('safeFilename', () => {
  it('keeps a plain name and makes every hostile one harmless', () => {
    expect(safeFilename('report-2026-12-01.csv')).toBe('report-2026-12-01.csv');
    expect(safeFilename('रिपोर्ट.pdf')).toBe('रिपोर्ट.pdf');
    expect(safeFilename('../../etc/passwd')).toBe('passwd');
    expect(safeFilename('..\\..\\windows\\system32\\cmd.exe')).toBe('cmd.exe');
    expect(safeFilename('.htaccess')).toBe('htaccess');
    expect(safeFilename('a\u0000b\r\nc.txt')).toBe('a_b__c.txt');
    expect(safeFilename('$(rm -rf ~);`x`.sh')).toBe('_(rm -rf ~)__x_.sh');
    expect(safeFilename('CON')).toBe('file');
    expect(safeFilename('nul.txt')).toBe('file');
    expect(safeFilename('...')).toBe('file');
    expect(safeFilename('')).toBe('file');
    expect(safeFilename('x'.repeat(500))).toHaveLength(120);
  });
});

describe('safeHttpUrl', () => {
  it('takes absolute http(s) URLs only', () => {
    expect(safeHttpUrl('https://clinic.example/status')).toBe('https://clinic.example/status');
    expect(safeHttpUrl(' http://10.0.0.5:3000 ')).toBe('http://10.0.0.5:3000/');
    for (const bad of ['javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'data:text/html,<b>x</b>', 'file:///etc/passwd', '//evil.example', '/relative', 'https://user:pass@clinic.example/', 'ftp://clinic.example', 'not a url']) {
      expect(safeHttpUrl(bad), bad).toBeUndefined();
    }
  });
});

describe('isIdentifier', () => {
  it('accepts our ids and refuses anything that could travel into a query or a path', () => {
    expect(isIdentifier('01JD8Z3K_abc-9')).toBe(true);
    for (const bad of ['', "1' OR '1'='1", '../x', 'a b', 'a\u0000', '{"$ne":1}', 'x'.repeat(65), 'é']) expect(isIdentifier(bad), bad).toBe(false);
  });
});
