/**
 * A request URL as the log may keep it. Some URLs carry bearer secrets: a patient's status key is the
 * path of their page (`/s/<key>`) and of its API (`/public/status/<key>`), and a client may put a
 * ticket, a token or a code in a query string however the API asks it not to. Paths keep their shape
 * with the secret part replaced; a query keeps its parameter names, and only values known to be
 * harmless (ids, filters, paging) stay.
 */
const SECRET_PATH_SEGMENTS: RegExp[] = [/^(\/s\/)[^/?#]+/, /^(\/api\/v1\/public\/status\/)[^/?#]+/];
const HARMLESS_QUERY_NAMES = new Set(['departmentId', 'privacy', 'since', 'limit', 'offset', 'cursor', 'from', 'to', 'day', 'type', 'actor', 'page', 'lang']);
const REDACTED = '[redacted]';

export function urlForLog(url: string): string {
  const queryAt = url.indexOf('?');
  let path = queryAt === -1 ? url : url.slice(0, queryAt);
  for (const pattern of SECRET_PATH_SEGMENTS) path = path.replace(pattern, `$1${REDACTED}`);
  if (queryAt === -1) return path;
  const query = url
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals === -1) return pair;
      const name = pair.slice(0, equals);
      return HARMLESS_QUERY_NAMES.has(name) ? pair : `${name}=${REDACTED}`;
    })
    .join('&');
  return `${path}?${query}`;
}
