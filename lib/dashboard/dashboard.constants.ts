/** Injection token of the dashboard's resolved options. */
export const LIDEX_DASHBOARD_OPTIONS = Symbol('LIDEX_DASHBOARD_OPTIONS');

/** Where the dashboard is mounted when `dashboard.path` is not given. */
export const DEFAULT_DASHBOARD_PATH = 'lidex';

/**
 * Header the dashboard's POST endpoints require. A page on another site cannot send it without
 * the app's consent (CORS), so a logged-in browser cannot be made to cancel or retry workflows.
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
