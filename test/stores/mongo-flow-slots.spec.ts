import { randomUUID } from 'node:crypto';
import type { ClaimOptions, Lease, Persistence } from '@lidex/nestjs';
import { describeEachMongo, mongoStoreFactory } from '../support/mongo';

const MINUTE = 60_000;
const T0 = 1_700_000_000_000;
const ROUNDS = 16;
const RACERS = 6;

const lease = (until: number): Lease => ({ token: randomUUID(), until });

/**
 * A slot left by a lease that ended without deleting it (its process died after the write) is
 * recovered by every claim that finds it stale, at once. On FerretDB 1.x a delete reads the
 * documents its filter matches, then deletes them by `_id`: a recovery that read the old slot
 * could delete the slot another claim had just taken in its place under the same `_id`, and a
 * third claim then ran a second workflow under a limit of 1. Each round: a stale slot, six
 * store objects claiming at once, then one more claim while the winner still holds its lease.
 */
describeEachMongo('MongoDB flow slots on $label', (server) => {
  const factory = mongoStoreFactory(server);
  let owner: Persistence;
  const racers: Persistence[] = [];

  beforeAll(async () => {
    owner = await factory.create();
    for (let i = 0; i < RACERS; i++) racers.push(await factory.reopen());
  });

  afterAll(async () => {
    await Promise.all(
      [owner, ...racers.splice(0)].map((store) => store?.close()),
    );
    await factory.cleanup();
  });

  it(`never leases more than a limit of 1 when ${RACERS} claims recover one stale slot at once`, async () => {
    const names = Array.from(
      { length: ROUNDS },
      (_, round) => `export-${round}`,
    );
    // Every round's name limited, so that no claim takes an earlier round's workflows instead.
    const options: ClaimOptions = {
      limits: new Map(names.map((name) => [name, { concurrency: 1 }])),
    };
    const leased: number[] = [];
    for (const name of names) {
      for (let i = 0; i <= RACERS + 1; i++)
        await owner.insertWorkflow({
          id: `${name}-w${i}`,
          name,
          input: '1',
          now: T0 + i,
        });
      const [first] = await owner.claimReady(
        T0 + 10,
        [lease(T0 + MINUTE)],
        undefined,
        options,
      );
      // Another store object ends the lease: the owner never deletes the slot (as if it died).
      await racers[0].recordFinish(first.id, first.leaseToken, {
        result: '1',
        now: T0 + 20,
      });
      const now = T0 + 3 * MINUTE;
      const raced = await Promise.all(
        racers.map((store) =>
          store.claimReady(now, [lease(now + MINUTE)], undefined, options),
        ),
      );
      const after = await owner.claimReady(
        now + 1,
        [lease(now + MINUTE)],
        undefined,
        options,
      );
      leased.push(
        [...raced.flat(), ...after].filter((w) => w.id.startsWith(`${name}-`))
          .length,
      );
    }
    expect(leased).toEqual(Array(ROUNDS).fill(1));
  }, 60_000);
});
