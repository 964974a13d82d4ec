/*
 * The records of schedules, as the engine and the stores exchange them. A schedule's definition
 * (its workflow, input, timing and policies) reaches a store already encoded: the store keeps it
 * as opaque text, compares it as text, and hands it back unchanged.
 */

/** A schedule as a store keeps it. */
export interface ScheduleRecord {
  id: string;
  /** The encoded definition (workflow, input, timing, policies). */
  definition: string;
  paused: boolean;
  /** The time of the last tick handled (started, or passed over by policy): later ticks are due. */
  lastTickAt: number;
  /** The workflow the last handled tick started, when one did. */
  lastWorkflowId?: string;
  createdAt: number;
  updatedAt: number;
}

/** A schedule to create or update (`saveSchedule`). */
export interface ScheduleDraft {
  id: string;
  definition: string;
  now: number;
}

/** What `saveSchedule` did. */
export type ScheduleSaved = 'created' | 'updated' | 'unchanged';

/** The ticks up to `to` handled (`advanceSchedule`), if the schedule's last tick is still `from`. */
export interface ScheduleAdvance {
  from: number;
  to: number;
  /** The workflow the last of those ticks started, if one did. */
  workflowId?: string;
  now: number;
}
