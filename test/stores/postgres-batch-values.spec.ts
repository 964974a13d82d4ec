import { PostgresStore } from '@lidex/nestjs/postgres';
import {
  describePostgres,
  dropTestSchemas,
  postgresUrl,
  testSchema,
} from '../support/postgres';

/** Values an array literal must quote or escape, each as a JSON value the engine could store. */
const AWKWARD = [
  '""',
  '"NULL"',
  'null',
  JSON.stringify('a "quoted" word'),
  JSON.stringify('back\\slash and \\"both\\"'),
  JSON.stringify('{braces}, commas, and spaces '),
  JSON.stringify('new\nline\ttab'),
  JSON.stringify('ünï cødé ✓ 𝄞'),
  '{"nested":["a,b","c}"]}',
];

describePostgres(
  'PostgresStore: values written in one batch come back as written',
  () => {
    let store: PostgresStore | undefined;

    afterEach(async () => {
      await store?.close();
      store = undefined;
      await dropTestSchemas();
    });

    it('keeps quotes, backslashes, braces, commas, NULL words and non-ASCII text, and rounds fractional times', async () => {
      store = new PostgresStore({
        url: postgresUrl,
        schema: testSchema(),
        listen: false,
      });
      await store.init();
      const open = store;
      const now = Date.now();
      const ids = AWKWARD.map((_, n) => `w "${n}" \\ {x,y}`);
      const inserted = await Promise.all(
        AWKWARD.map((input, n) =>
          open.insertWorkflow(
            {
              id: ids[n],
              name: `flow,${n}`,
              input,
              now: now + 0.4,
              concurrencyKey: n % 2 ? `key "${n}"` : undefined,
            },
            { token: `lease\\${n}"`, until: now + 60_000.6 },
          ),
        ),
      );
      expect(inserted).toEqual(AWKWARD.map(() => true));
      const held = await Promise.all(
        AWKWARD.map((result, n) =>
          open.recordStep(
            ids[n],
            `lease\\${n}"`,
            {
              kind: 'step',
              id: `step "${n}", {a}`,
              result,
              startedAt: n % 2 ? now : undefined,
              recordedAt: now + 0.5,
            },
            { readyAt: now + 60_000, now, release: false },
          ),
        ),
      );
      expect(held).toEqual(AWKWARD.map(() => true));
      const finished = await Promise.all(
        AWKWARD.map((result, n) =>
          open.recordFinish(ids[n], `lease\\${n}"`, {
            result,
            now: now + 1.6,
          }),
        ),
      );
      expect(finished).toEqual(AWKWARD.map(() => true));
      for (const [n, value] of AWKWARD.entries()) {
        const stored = await open.getWorkflow(ids[n]);
        expect(stored).toMatchObject({
          id: ids[n],
          name: `flow,${n}`,
          status: 'finished',
          input: value,
          result: value,
          createdAt: Math.round(now + 0.4),
          updatedAt: Math.round(now + 1.6),
          ...(n % 2 ? { concurrencyKey: `key "${n}"` } : {}),
        });
        expect(stored?.steps).toEqual([
          {
            kind: 'step',
            id: `step "${n}", {a}`,
            result: value,
            ...(n % 2 ? { startedAt: now } : {}),
            recordedAt: Math.round(now + 0.5),
          },
        ]);
      }
    });
  },
);
