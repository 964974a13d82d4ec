import type { CanActivate, Type } from '@nestjs/common';

/** The `dashboard` option of `LidexModule.forRoot()` / `forRootAsync()`. */
export interface LidexDashboardOptions {
  /**
   * Where the dashboard is mounted, relative to the app's global prefix: segments of letters,
   * digits and `-._~` separated by `/`, none of them `.` or `..`. The path is a static route,
   * never a pattern.
   * @default 'lidex'
   */
  path?: string;
  /**
   * Protects the page and its JSON API, like `@UseGuards()`. A class is instantiated by Nest
   * inside `LidexModule`, so its dependencies must be global providers or come from the
   * `imports` of `forRootAsync`; an instance is used as it is. Without a guard, anyone who can
   * reach the app can read workflow inputs and results and cancel or retry workflows.
   * @default undefined (no guard; a warning is logged when NODE_ENV is production)
   */
  guard?: Type<CanActivate> | CanActivate;
}
