import { StoreUnavailableError, type Persistence } from '@lidex/nestjs';
import { freePort } from './mongo-server';

/*
 * What the MySQL and PostgreSQL store specs check alike, each in its own `it` (names and cases
 * stay in the spec; the steps are here).
 */

/**
 * A store opened on a port nobody listens on fails within its connect timeout, with an error
 * that names the server but not the password. `open` makes the store on the url it is given
 * (`<scheme>://lidex:secret@127.0.0.1:<port>/app`), with `connectTimeoutMs: 1000`.
 */
export async function expectQuickOpenFailure(
  scheme: string,
  open: (url: string) => Persistence,
): Promise<void> {
  const port = await freePort();
  const store = open(`${scheme}://lidex:secret@127.0.0.1:${port}/app`);
  const started = Date.now();
  const opening = store.init();
  await expect(opening).rejects.toBeInstanceOf(StoreUnavailableError);
  await expect(opening).rejects.toThrow(`127.0.0.1:${port}/app`);
  await expect(opening).rejects.not.toThrow('secret');
  expect(Date.now() - started).toBeLessThan(10_000);
}

/**
 * Six instances of `open()` on one empty database start together: the schema is made once, at
 * `currentVersion` (as `readVersion` reads it), and a workflow one writes, another reads.
 */
export async function expectOneSchemaForInstancesStartedTogether(
  open: () => Persistence,
  readVersion: () => Promise<unknown>,
  currentVersion: number,
  now: number,
): Promise<void> {
  const stores = Array.from({ length: 6 }, open);
  await Promise.all(stores.map((store) => store.init()));
  expect(await readVersion()).toEqual([{ version: currentVersion }]);
  await stores[0].insertWorkflow({ id: 'a', name: 'wf', input: '1', now });
  expect((await stores[5].getWorkflow('a'))?.status).toBe('idle');
  await Promise.all(stores.map((store) => store.close()));
}
