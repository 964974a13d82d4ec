import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
} from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { messages } from '../lidex.messages';
import { DashboardController } from './dashboard.controller';
import { refusedAsCrossSite } from './dashboard-request-policy';

/**
 * The cross-site rule again, inside Nest, before the app's own guard: it holds where
 * `DashboardFrontDoor` cannot stand in front (an app that serves its Express or Fastify
 * instance through a server of its own, or a serverless adapter).
 */
@Injectable()
export class DashboardSameOriginGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context
      .switchToHttp()
      .getRequest<{ method?: string; headers: IncomingHttpHeaders }>();
    const part =
      context.getHandler() === DashboardController.prototype.page
        ? 'page'
        : 'other';
    if (refusedAsCrossSite(request.method, part, request.headers))
      throw new ForbiddenException(messages.dashboardCrossSite());
    return true;
  }
}
