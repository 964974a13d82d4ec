import {
  Controller,
  DynamicModule,
  Type,
  UseGuards,
  type CanActivate,
} from '@nestjs/common';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { messages } from '../lidex.messages';
import { DashboardController } from './dashboard.controller';
import { DashboardFrontDoor } from './dashboard-front-door';
import { DashboardSameOriginGuard } from './dashboard-same-origin.guard';
import {
  DEFAULT_DASHBOARD_PATH,
  LIDEX_DASHBOARD_OPTIONS,
} from './dashboard.constants';
import type { LidexDashboardOptions } from './dashboard-options.interface';

/** The dashboard's options with the default path applied and slashes trimmed. */
export interface ResolvedDashboardOptions {
  path: string;
  guard?: Type<CanActivate> | CanActivate;
}

/**
 * Adds the dashboard to the module's definition when the `dashboard` option asks for it; with
 * the option absent or `false`, nothing is mounted at all.
 */
export function withDashboard(
  definition: DynamicModule,
  dashboard: LidexDashboardOptions | boolean | undefined,
): DynamicModule {
  if (dashboard === undefined || dashboard === false) return definition;
  const options = resolveDashboardOptions(dashboard === true ? {} : dashboard);
  return {
    ...definition,
    controllers: [
      ...(definition.controllers ?? []),
      createDashboardController(options),
    ],
    providers: [
      ...(definition.providers ?? []),
      { provide: LIDEX_DASHBOARD_OPTIONS, useValue: options },
      DashboardFrontDoor,
    ],
  };
}

export function resolveDashboardOptions(
  dashboard: LidexDashboardOptions,
): ResolvedDashboardOptions {
  if (typeof dashboard !== 'object' || dashboard === null)
    throw new InvalidOptionsError(
      'dashboard',
      dashboard,
      'true, false or an object { path?, guard? }',
    );
  const { path = DEFAULT_DASHBOARD_PATH, guard, ...unknown } = dashboard;
  const [unknownKey] = Object.keys(unknown);
  if (unknownKey !== undefined)
    throw new InvalidOptionsError(
      `dashboard.${unknownKey}`,
      (unknown as Record<string, unknown>)[unknownKey],
      messages.unknownDashboardOption(),
    );
  if (!isStaticPath(path))
    throw new InvalidOptionsError(
      'dashboard.path',
      path,
      messages.invalidDashboardPath(),
    );
  if (guard !== undefined && !isGuard(guard))
    throw new InvalidOptionsError(
      'dashboard.guard',
      guard,
      messages.invalidDashboardGuard(),
    );
  return { path: path.replace(/^\/+|\/+$/g, ''), guard };
}

/**
 * A path that is a route as it is written: segments of unreserved characters, none empty and
 * none `.` or `..`, which a browser would resolve away (`'../x'` is not under the app at all).
 * Slashes around it are allowed and trimmed.
 */
function isStaticPath(path: unknown): path is string {
  if (typeof path !== 'string') return false;
  const segments = path.replace(/^\/+|\/+$/g, '').split('/');
  return segments.every(
    (segment) =>
      /^[A-Za-z0-9._~-]+$/.test(segment) &&
      /[A-Za-z0-9]/.test(segment) &&
      segment !== '.' &&
      segment !== '..',
  );
}

/**
 * A controller class of its own for each module definition, so that two apps in one process
 * (tests, for one) can mount the dashboard at different paths behind different guards.
 */
export function createDashboardController(
  options: ResolvedDashboardOptions,
): Type<DashboardController> {
  class LidexDashboardController extends DashboardController {}
  Controller(options.path)(LidexDashboardController);
  // Other origins are refused before the app's guard is asked.
  UseGuards(
    DashboardSameOriginGuard,
    ...(options.guard ? [options.guard] : []),
  )(LidexDashboardController);
  return LidexDashboardController;
}

/** A class whose instances have `canActivate()`, or such an instance. */
function isGuard(value: unknown): value is Type<CanActivate> | CanActivate {
  const candidate =
    typeof value === 'function'
      ? (value as { prototype?: unknown }).prototype
      : value;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof (candidate as Partial<CanActivate>).canActivate === 'function'
  );
}
