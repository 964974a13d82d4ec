import { messages } from '../lidex.messages';
import { LidexError } from './lidex.error';

/** A `client.schedules` call named a schedule id the store does not have. */
export class ScheduleNotFoundError extends LidexError {
  constructor(readonly scheduleId: string) {
    super(messages.scheduleNotFound(scheduleId));
  }
}
