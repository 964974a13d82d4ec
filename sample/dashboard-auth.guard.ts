import { createHash, timingSafeEqual } from 'node:crypto';
import {
  CanActivate,
  ExecutionContext,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { sampleConfig } from './sample.config';

/**
 * HTTP Basic authentication for the Lidex dashboard: with DASHBOARD_PASSWORD set, the browser
 * asks for it (any user name) and then sends it with the page's every request. Without a
 * password the dashboard is open in development, and closed when NODE_ENV is production, so a
 * forgotten setting never exposes it. Use it over HTTPS only: Basic credentials are not
 * encrypted by themselves.
 */
@Injectable()
export class DashboardAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const password = sampleConfig.dashboardPassword;
    if (!password) return process.env.NODE_ENV !== 'production';
    const http = context.switchToHttp();
    const given = passwordOf(
      http.getRequest<{ headers: { authorization?: string } }>().headers
        .authorization,
    );
    // Compare digests, so that how long this takes says nothing about the password.
    if (given !== undefined && timingSafeEqual(digest(given), digest(password)))
      return true;
    // Ask the browser for the password (again).
    http
      .getResponse<{ setHeader(name: string, value: string): void }>()
      .setHeader(
        'WWW-Authenticate',
        'Basic realm="Lidex dashboard", charset="UTF-8"',
      );
    throw new UnauthorizedException();
  }
}

function passwordOf(authorization: string | undefined): string | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(authorization ?? '');
  if (!match) return undefined;
  const credentials = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = credentials.indexOf(':');
  return colon === -1 ? undefined : credentials.slice(colon + 1);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
