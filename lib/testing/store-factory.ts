import type { Persistence } from '../stores/persistence';

/**
 * How the shipped suites get stores of one kind: what a store written elsewhere implements to
 * run `persistenceContract`, `operationsContract` and `clockContract` against itself.
 */
export interface StoreFactory {
  /** Names the suites: "sqlite", "my-redis". */
  label: string;
  /** Whether what is stored outlives the store object (`reopen()` after `close()` sees it). */
  durable: boolean;
  /** A fresh, empty, initialised store (`init()` done). */
  create(): Promise<Persistence>;
  /**
   * A second, initialised store object over the same data as the last `create()`, as a second
   * app instance would open it (its own connection). The concurrency cases race it against the
   * first; the suites close it. A store that cannot be shared between objects may hand back the
   * same object (the concurrency cases then race one object).
   */
  reopen(): Promise<Persistence>;
  /** Removes everything the factory made (files, databases), once the suite has run. */
  cleanup(): Promise<void>;
}
