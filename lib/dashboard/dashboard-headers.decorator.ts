import { applyDecorators, Header } from '@nestjs/common';
import { DASHBOARD_CONTENT_SECURITY_POLICY } from './dashboard.constants';

/**
 * Headers of every dashboard response: nothing cached, sniffed or framed. With a content type,
 * for the page and its assets, which are returned as strings.
 */
export function DashboardHeaders(contentType?: string): MethodDecorator {
  const decorators = [
    Header('Cache-Control', 'no-store'),
    Header('X-Content-Type-Options', 'nosniff'),
    Header('X-Frame-Options', 'DENY'),
    Header('Referrer-Policy', 'no-referrer'),
    Header('Content-Security-Policy', DASHBOARD_CONTENT_SECURITY_POLICY),
  ];
  if (contentType) decorators.push(Header('Content-Type', contentType));
  return applyDecorators(...decorators);
}
