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
  const path = (dashboard.path ?? DEFAULT_DASHBOARD_PATH).replace(
    /^\/+|\/+$/g,
    '',
  );
  if (!/^[A-Za-z0-9._~/-]+$/.test(path) || !/[A-Za-z0-9]/.test(path))
    throw new InvalidOptionsError(
      'dashboard.path',
      dashboard.path,
      messages.invalidDashboardPath(),
    );
  const guard = dashboard.guard;
  if (guard !== undefined && !isGuard(guard))
    throw new InvalidOptionsError(
      'dashboard.guard',
      guard,
      'a guard class or an object with canActivate()',
    );
  return { path, guard };
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

function isGuard(value: unknown): value is Type<CanActivate> | CanActivate {
  if (typeof value === 'function') return true;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<CanActivate>).canActivate === 'function'
  );
}
