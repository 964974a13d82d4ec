import type { Persistence, ScheduleStore } from '../../stores/persistence';
import { messages } from '../../lidex.messages';
import type { StoreFactory } from '../store-factory';
import { testGlobals } from '../test-globals';
import { MINUTE, T0, otherStore } from './suite-kit';

/** The store's schedules, or a failure naming what the store lacks. */
function schedulesOf(store: Persistence): ScheduleStore {
  if (!store.schedules) {
    throw new Error(messages.schedulesUnsupported(store.describe()));
  }
  return store.schedules;
}

/** The rules of `ScheduleStore`: saving, pausing, advancing, removing, durability. */
export function scheduleRules(factory: StoreFactory): void {
  const { describe, it, expect, beforeEach, afterEach } = testGlobals();
  describe('schedules', () => {
    let store: Persistence;
    let schedules: ScheduleStore;

    beforeEach(async () => {
      store = await factory.create();
      schedules = schedulesOf(store);
    });

    afterEach(async () => {
      await store.close();
    });

    const save = (id: string, definition: string, now = T0) =>
      schedules.saveSchedule({ id, definition, now });

    it('creates a schedule not paused, its last tick at its creation', async () => {
      expect(await save('nightly', '{"cron":"0 3 * * *"}')).toBe('created');
      expect(await schedules.getSchedule('nightly')).toEqual({
        id: 'nightly',
        definition: '{"cron":"0 3 * * *"}',
        paused: false,
        lastTickAt: T0,
        createdAt: T0,
        updatedAt: T0,
      });
      expect(await schedules.getSchedule('other')).toBeUndefined();
    });

    it('updates a changed definition and keeps its state; the same one changes nothing', async () => {
      await save('nightly', '{"cron":"0 3 * * *"}');
      await schedules.advanceSchedule('nightly', {
        from: T0,
        to: T0 + MINUTE,
        workflowId: 'nightly@1',
        now: T0 + MINUTE,
      });
      await schedules.pauseSchedule('nightly', {
        paused: true,
        now: T0 + MINUTE,
      });
      expect(
        await save('nightly', '{"cron":"0 3 * * *"}', T0 + 2 * MINUTE),
      ).toBe('unchanged');
      expect(
        await save('nightly', '{"cron":"0 4 * * *"}', T0 + 3 * MINUTE),
      ).toBe('updated');
      expect(await schedules.getSchedule('nightly')).toEqual({
        id: 'nightly',
        definition: '{"cron":"0 4 * * *"}',
        paused: true,
        lastTickAt: T0 + MINUTE,
        lastWorkflowId: 'nightly@1',
        createdAt: T0,
        updatedAt: T0 + 3 * MINUTE,
      });
    });

    it('creates a schedule saved at once by two instances once', async () => {
      const other = await otherStore(factory, store);
      try {
        const answers = await Promise.all(
          [0, 1, 2, 3].map((i) =>
            schedulesOf(other.store(i)).saveSchedule({
              id: 'boot',
              definition: '{"every":1000}',
              now: T0 + i,
            }),
          ),
        );
        expect(answers.filter((a) => a === 'created')).toHaveLength(1);
        expect(answers.filter((a) => a === 'unchanged')).toHaveLength(3);
        expect(await schedules.listSchedules()).toHaveLength(1);
      } finally {
        await other.close();
      }
    });

    it('lists every schedule by id', async () => {
      await save('b', '{}');
      await save('a', '{}');
      await save('c', '{}');
      const listed = await schedules.listSchedules();
      expect(listed.map((s) => s.id)).toEqual(['a', 'b', 'c']);
    });

    it('advances the last tick only from the one it names', async () => {
      await save('s', '{}');
      const ahead = { from: T0, to: T0 + 1000, workflowId: 'w1', now: T0 + 1 };
      expect(await schedules.advanceSchedule('s', ahead)).toBe(true);
      expect(await schedules.advanceSchedule('s', ahead)).toBe(false);
      expect(
        await schedules.advanceSchedule('s', {
          from: T0 + 1000,
          to: T0 + 2000,
          now: T0 + 2,
        }),
      ).toBe(true);
      expect(await schedules.getSchedule('s')).toMatchObject({
        lastTickAt: T0 + 2000,
        lastWorkflowId: 'w1',
      });
      expect(
        await schedules.advanceSchedule('none', { ...ahead, from: T0 }),
      ).toBe(false);
    });

    it('resumes a paused schedule from now: the ticks of the pause are not due', async () => {
      await save('s', '{}');
      expect(
        await schedules.pauseSchedule('s', { paused: true, now: T0 + 1 }),
      ).toBe(true);
      expect(
        await schedules.pauseSchedule('s', { paused: true, now: T0 + 2 }),
      ).toBe(true);
      expect(await schedules.getSchedule('s')).toMatchObject({
        paused: true,
        lastTickAt: T0,
      });
      await schedules.pauseSchedule('s', { paused: false, now: T0 + MINUTE });
      await schedules.pauseSchedule('s', {
        paused: false,
        now: T0 + 2 * MINUTE,
      });
      expect(await schedules.getSchedule('s')).toMatchObject({
        paused: false,
        lastTickAt: T0 + MINUTE,
      });
      expect(
        await schedules.pauseSchedule('none', { paused: true, now: T0 }),
      ).toBe(false);
    });

    it('removes a schedule', async () => {
      await save('s', '{}');
      expect(await schedules.removeSchedule('s')).toBe(true);
      expect(await schedules.removeSchedule('s')).toBe(false);
      expect(await schedules.getSchedule('s')).toBeUndefined();
      expect(await save('s', '{}', T0 + 5)).toBe('created');
    });

    it('keeps ids and definitions as data', async () => {
      const id = `'; DROP TABLE x; -- {"$gt": ""} ${'\u00e9'}`;
      const definition = '{"input":"\\"$where\\": 1, \'quote\'"}';
      await save(id, definition);
      expect((await schedules.getSchedule(id))?.definition).toBe(definition);
      expect(await schedules.getSchedule('{"$gt": ""}')).toBeUndefined();
    });

    if (factory.durable) {
      it('keeps schedules across a reopen', async () => {
        await save('kept', '{"every":5000}');
        await schedules.pauseSchedule('kept', { paused: true, now: T0 + 1 });
        const other = await factory.reopen();
        try {
          expect(await schedulesOf(other).getSchedule('kept')).toMatchObject({
            definition: '{"every":5000}',
            paused: true,
          });
        } finally {
          if (other !== store) await other.close();
        }
      });
    }
  });
}
