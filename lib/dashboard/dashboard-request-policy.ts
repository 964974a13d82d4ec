import type { IncomingHttpHeaders } from 'node:http';

/**
 * Which part of the dashboard a request is for: its page (which holds no data), anything else
 * under its path (script, style, API, unknown subroutes), or not the dashboard at all.
 */
export type DashboardPart = 'page' | 'other' | undefined;

/**
 * Where a request goes, against the dashboard's full path (`/prefix/path`, lower case). As
 * loose as the app's router is, or looser: case does not matter (Express ignores it), nor do
 * repeated slashes or percent-encoding. Matching too much only adds headers and refuses
 * cross-site requests; matching too little would let one through.
 */
export function dashboardPartOf(
  url: string | undefined,
  mountPath: string,
): DashboardPart {
  const path = normalisePath(url ?? '');
  if (path === mountPath || path === `${mountPath}/`) return 'page';
  if (path.startsWith(`${mountPath}/`)) return 'other';
  return undefined;
}

/** The dashboard's full path as `dashboardPartOf` compares it. */
export function dashboardMountPath(globalPrefix: string, path: string): string {
  return normalisePath(`/${globalPrefix}/${path}`).replace(/\/$/, '');
}

/**
 * A request the dashboard refuses because a page on another origin made the browser send it.
 * The page itself may still be opened from anywhere (a link in a chat or a ticket): it is the
 * same static HTML for everyone. Everything else, its API above all, answers only the
 * dashboard's own origin, whatever CORS the app allows elsewhere.
 */
export function refusedAsCrossSite(
  method: string | undefined,
  part: Exclude<DashboardPart, undefined>,
  headers: IncomingHttpHeaders,
): boolean {
  if (part === 'page' && (method === 'GET' || method === 'HEAD')) return false;
  return comesFromAnotherOrigin(headers);
}

/**
 * Either signal a browser gives is enough to refuse. `Sec-Fetch-Site` (sent by current browsers
 * to HTTPS and localhost): `cross-site`, and `same-site` too, since a sibling subdomain or
 * another port is another origin that may be less trusted. `Origin`, when present, must name
 * the host the request was sent to: `Host`, or `X-Forwarded-Host` behind a proxy that rewrites
 * `Host` (a page cannot set that header on another origin without a preflight, which this
 * refuses). `Origin: null` (sandboxed frames, some redirects) is refused. Requests with neither
 * header (scripts, curl) are not a browser's cross-site requests and go on to the guard.
 */
export function comesFromAnotherOrigin(headers: IncomingHttpHeaders): boolean {
  const site = first(headers['sec-fetch-site']);
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = first(headers.origin);
  if (origin === undefined) return false;
  const hosts = [first(headers.host), first(headers['x-forwarded-host'])];
  return !hosts.some((host) => host !== undefined && sameHost(origin, host));
}

function sameHost(origin: string, host: string): boolean {
  try {
    const asked = new URL(origin);
    // Parsed with the origin's scheme, so that default ports compare equal.
    return new URL(`${asked.protocol}//${host.trim()}`).host === asked.host;
  } catch {
    return false;
  }
}

/** The first value of a header, and of a comma-separated list (proxies append). */
function first(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text?.split(',')[0].trim();
}

function normalisePath(url: string): string {
  let path = url.split('?')[0].split('#')[0];
  // An absolute request target (`GET http://host/path`), as sent to proxies.
  if (!path.startsWith('/')) {
    try {
      path = new URL(path).pathname;
    } catch {
      return '';
    }
  }
  try {
    path = decodeURIComponent(path);
  } catch {
    // A malformed escape: compare it as it came; the router answers it with an error.
  }
  return path.replace(/\/{2,}/g, '/').toLowerCase();
}
