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
}
