import { StoreUnavailableError } from '../errors/store-unavailable.error';
import { messages } from '../lidex.messages';

/**
 * Loads a store's driver when the store opens, not when Lidex is imported: an app on one store
 * never needs the others' drivers installed.
 */
export function loadDriver<T>(
  driver: 'better-sqlite3' | 'mongodb' | 'pg' | 'mysql2/promise',
  store: string,
): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(driver) as T;
  } catch (error) {
    throw new StoreUnavailableError(
      store,
      new Error(messages.driverMissing(driver.split('/')[0], store), {
        cause: error,
      }),
    );
  }
}
