import { applyDecorators, Header } from '@nestjs/common';
import { DASHBOARD_SECURITY_HEADERS } from './dashboard.constants';

/**
 * Headers of a dashboard route's own responses, and with a content type for the page and its
 * assets, which are returned as strings. (`DashboardFrontDoor` sets the same security headers
 * on every response under the path before the app sees the request, errors included.)
 */
export function DashboardHeaders(contentType?: string): MethodDecorator {
  const decorators = Object.entries(DASHBOARD_SECURITY_HEADERS).map(
    ([name, value]) => Header(name, value),
  );
  if (contentType) decorators.push(Header('Content-Type', contentType));
  return applyDecorators(...decorators);
}
