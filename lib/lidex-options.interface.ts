import type { Clock } from './engine/clock';
import type { EngineOptions } from './engine/options';
import type { Persistence } from './stores/persistence';

/** Options of `LidexModule.forRoot()` / `forRootAsync()`. */
export interface LidexModuleOptions extends EngineOptions {
  /**
   * Where workflows are stored: a `SqliteStore` (`@lidex/nestjs/sqlite`), `MongoStore`
   * (`@lidex/nestjs/mongodb`) or `MemoryStore`.
   * @default new SqliteStore() (the file `.lidex/lidex.sqlite` in the working directory)
   */
  persistence?: Persistence;
  /**
   * Start workflows from this instance, but never run them here (API-only instances). Other
   * instances, with this off, run them.
   * @default false
   */
  clientOnly?: boolean;
  /**
   * The clock every time and timer of Lidex comes from. Tests pass the `ManualClock` of
   * `@lidex/nestjs/testing` to move time by hand (a day's sleep in a millisecond). With the
   * default, times follow the database server's clock where the store has one.
   * @default systemClock
   */
  clock?: Clock;
}
