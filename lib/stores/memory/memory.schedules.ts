import type {
  ScheduleAdvance,
  ScheduleDraft,
  ScheduleRecord,
  ScheduleSaved,
  ScheduleStore,
} from '../persistence';

/** The memory store's schedules: one map, copied on the way in and out like its workflows. */
export class MemorySchedules implements ScheduleStore {
  private readonly schedules = new Map<string, ScheduleRecord>();

  saveSchedule(draft: ScheduleDraft): Promise<ScheduleSaved> {
    const existing = this.schedules.get(draft.id);
    if (!existing) {
      this.schedules.set(draft.id, {
        id: draft.id,
        definition: draft.definition,
        paused: false,
        lastTickAt: draft.now,
        createdAt: draft.now,
        updatedAt: draft.now,
      });
      return Promise.resolve('created');
    }
    if (existing.definition === draft.definition) {
      return Promise.resolve('unchanged');
    }
    existing.definition = draft.definition;
    existing.updatedAt = draft.now;
    return Promise.resolve('updated');
  }

  getSchedule(id: string): Promise<ScheduleRecord | undefined> {
    const found = this.schedules.get(id);
    return Promise.resolve(found && { ...found });
  }

  listSchedules(): Promise<ScheduleRecord[]> {
    const all = [...this.schedules.values()].map((s) => ({ ...s }));
    all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return Promise.resolve(all);
  }

  pauseSchedule(
    id: string,
    change: { paused: boolean; now: number },
  ): Promise<boolean> {
    const found = this.schedules.get(id);
    if (!found) return Promise.resolve(false);
    if (found.paused !== change.paused) {
      if (!change.paused) {
        found.lastTickAt = Math.max(found.lastTickAt, change.now);
      }
      found.paused = change.paused;
      found.updatedAt = change.now;
    }
    return Promise.resolve(true);
  }

  advanceSchedule(id: string, advance: ScheduleAdvance): Promise<boolean> {
    const found = this.schedules.get(id);
    if (!found || found.lastTickAt !== advance.from) {
      return Promise.resolve(false);
    }
    found.lastTickAt = advance.to;
    if (advance.workflowId !== undefined) {
      found.lastWorkflowId = advance.workflowId;
    }
    found.updatedAt = advance.now;
    return Promise.resolve(true);
  }

  removeSchedule(id: string): Promise<boolean> {
    return Promise.resolve(this.schedules.delete(id));
  }
}
