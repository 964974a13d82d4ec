import { resolveTiming } from './engine/schedules/schedule-definition';
import type { WorkflowScheduleOptions } from './engine/schedules/schedule-options';
import { InvalidArgumentError } from './errors/invalid-argument.error';
import { messages } from './lidex.messages';

/**
 * Checks `@Workflow(name, options)` when the class is defined, so a bad schedule fails as the
 * app loads, naming the workflow and the fix. Answers the schedule, if one was given.
 */
export function checkWorkflowSchedule(
  name: string,
  options: unknown,
): WorkflowScheduleOptions | undefined {
  if (options === undefined) return undefined;
  const where = `@Workflow(${JSON.stringify(name)})`;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(
      messages.invalidSchedule(
        where,
        `options must be an object, got ${JSON.stringify(options)}`,
        `Give { schedule: { cron, timezone } } or { schedule: { every } }.`,
      ),
    );
  }
  const { schedule } = options as { schedule?: WorkflowScheduleOptions };
  if (schedule === undefined) return undefined;
  resolveTiming(`${where} schedule`, schedule, ['input']);
  return schedule;
}
