/** Injection token of the dashboard's resolved options. */
export const LIDEX_DASHBOARD_OPTIONS = Symbol('LIDEX_DASHBOARD_OPTIONS');

/** Where the dashboard is mounted when `dashboard.path` is not given. */
export const DEFAULT_DASHBOARD_PATH = 'lidex';

/**
 * Header the dashboard's POST endpoints require, so that a plain form on another site cannot
 * post to them. (Requests from other origins are refused before that, whatever the app's CORS
 * settings: see `dashboard-request-policy.ts`.)
 */
export const DASHBOARD_REQUEST_HEADER = 'x-lidex-dashboard';

/** Only what the page needs: its own script, style and API. No inline code, no other origin. */
export const DASHBOARD_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Headers of every response under the dashboard's path, refusals and errors included: nothing
 * cached, sniffed, framed or leaked in a Referer.
 */
export const DASHBOARD_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': DASHBOARD_CONTENT_SECURITY_POLICY,
};
