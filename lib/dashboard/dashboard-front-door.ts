import type {
  IncomingMessage,
  RequestListener,
  Server,
  ServerResponse,
} from 'node:http';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost } from '@nestjs/core';
import { messages } from '../lidex.messages';
import {
  DASHBOARD_SECURITY_HEADERS,
  LIDEX_DASHBOARD_OPTIONS,
} from './dashboard.constants';
import type { ResolvedDashboardOptions } from './dashboard.definition';
import {
  dashboardMountPath,
  dashboardPartOf,
  refusedAsCrossSite,
} from './dashboard-request-policy';

/**
 * Sees every request to the app's HTTP server before the app does, and for those under the
 * dashboard's path: sets the security headers (so that guard refusals, unknown subroutes and
 * malformed URLs carry them too), and answers 403 itself to a request from another origin. It
 * must come first because the app's own middleware does not: `app.enableCors()` answers a
 * preflight before any route, guard or Nest middleware runs, and would grant it.
 */
@Injectable()
export class DashboardFrontDoor implements OnModuleInit {
  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(ApplicationConfig) private readonly config: ApplicationConfig,
    @Inject(LIDEX_DASHBOARD_OPTIONS)
    private readonly options: ResolvedDashboardOptions,
  ) {}

  onModuleInit(): void {
    // Absent in an application context without HTTP; then there is no dashboard to serve.
    const server = this.adapterHost.httpAdapter?.getHttpServer?.() as
      Server | undefined;
    if (typeof server?.listeners !== 'function') return;
    const mountPath = dashboardMountPath(
      this.config.getGlobalPrefix(),
      this.options.path,
    );
    // Fastify's router, unlike Express's, tells `/lidex/` from `/lidex`.
    const seesSlash = this.adapterHost.httpAdapter.getType?.() === 'fastify';
    const appListeners = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    server.on(
      'request',
      (request: IncomingMessage, response: ServerResponse) => {
        if (answeredAtTheDoor(request, response, mountPath, seesSlash)) return;
        for (const listener of appListeners)
          listener.call(server, request, response);
      },
    );
  }
}

/** True when the request was refused here; false to hand it on to the app. */
function answeredAtTheDoor(
  request: IncomingMessage,
  response: ServerResponse,
  mountPath: string,
  routerSeesSlash: boolean,
): boolean {
  const part = dashboardPartOf(request.url, mountPath);
  if (part === undefined) return false;
  for (const [name, value] of Object.entries(DASHBOARD_SECURITY_HEADERS))
    response.setHeader(name, value);
  if (!refusedAsCrossSite(request.method, part, request.headers)) {
    if (part === 'page' && routerSeesSlash) routeWithoutTrailingSlash(request);
    return false;
  }
  response.statusCode = 403;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.end(
    JSON.stringify({
      statusCode: 403,
      error: 'Forbidden',
      message: messages.dashboardCrossSite(),
    }),
  );
  return true;
}

/**
 * The page asked as `/lidex/` is routed as `/lidex`, the one path Nest declares, where the router
 * tells the two apart (Fastify's). `originalUrl` keeps the address the browser used, as Express
 * keeps it and Fastify's `request.originalUrl` reads it: the page finds its assets from it.
 */
function routeWithoutTrailingSlash(
  request: IncomingMessage & { originalUrl?: string },
): void {
  const url = request.url ?? '';
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  if (!path.endsWith('/')) return;
  request.originalUrl ??= url;
  request.url =
    path.replace(/\/+$/, '') + (queryAt === -1 ? '' : url.slice(queryAt));
}
