import { BadRequestException, ForbiddenException } from '@nestjs/common';
import { messages } from '../lidex.messages';
import { DASHBOARD_REQUEST_HEADER } from './dashboard.constants';

// What the dashboard's routes read from a request besides its body: query parameters, the
// page's own header, and the path the page was asked for.

/** The part of an Express or Fastify request the page needs: the path it was asked for. */
export interface RequestLine {
  originalUrl?: string;
  url?: string;
}

/** A query parameter given once, or `undefined` when absent or empty. */
export function queryText(
  value: unknown,
  parameter: string,
): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string')
    throw new BadRequestException(messages.dashboardQueryNotText(parameter));
  return value;
}

/** The `id` query parameter of the routes that take the id there; 400 without it. */
export function requireId(id: unknown): string {
  const text = queryText(id, 'id');
  if (text === undefined)
    throw new BadRequestException(messages.dashboardIdMissing());
  return text;
}

/** The page's own header on a request that changes something; 403 without it. */
export function requireMarker(marker: unknown): void {
  if (typeof marker !== 'string' || marker === '')
    throw new ForbiddenException(
      messages.dashboardHeaderMissing(DASHBOARD_REQUEST_HEADER),
    );
}

/**
 * How the page refers to its script and style: relative to the address the browser used, so
 * that a global prefix or a proxy in front of the app changes nothing. `/admin/lidex` loads
 * `lidex/app.js`; `/admin/lidex/` loads `app.js`.
 */
export function assetPrefix(request: RequestLine): string {
  const path = (request.originalUrl ?? request.url ?? '').split('?')[0];
  if (path === '' || path.endsWith('/')) return '';
  return `${path.slice(path.lastIndexOf('/') + 1)}/`;
}
