import type { Collection } from 'mongodb';
import { InvalidArgumentError } from '../../errors/invalid-argument.error';
import { messages } from '../../lidex.messages';
import type {
  ScheduleAdvance,
  ScheduleDraft,
  ScheduleRecord,
  ScheduleSaved,
  ScheduleStore,
} from '../persistence';
import { isDuplicateKey, writing } from './mongo.errors';

/** A schedule in `<prefix>schedules`; the collection needs no index beyond `_id`. */
export interface ScheduleDocument {
  _id: string;
  definition: string;
  paused: boolean;
  lastTickAt: number;
  lastWorkflowId?: string;
  createdAt: number;
  updatedAt: number;
}

/** Ids reach the server as strings only: an object here would be a query operator. */
function scheduleId(id: string): { _id: string } {
  if (typeof id !== 'string') {
    throw new InvalidArgumentError(messages.invalidId('A schedule id', id));
  }
  return { _id: id };
}

const toRecord = (doc: ScheduleDocument): ScheduleRecord => ({
  id: doc._id,
  definition: doc.definition,
  paused: doc.paused,
  lastTickAt: doc.lastTickAt,
  ...(doc.lastWorkflowId === undefined
    ? {}
    : { lastWorkflowId: doc.lastWorkflowId }),
  createdAt: doc.createdAt,
  updatedAt: doc.updatedAt,
});

/**
 * The MongoDB store's schedules. Creating relies on the unique `_id` (one insert wins, on any
 * server); the other writes are single conditional updates. On a server that applies those as
 * read-then-write (FerretDB 1.x) two advances of one schedule may both be applied, which only
 * re-reads ticks whose workflows exist already: the insert of a tick's workflow decides.
 */
export class MongoSchedules implements ScheduleStore {
  constructor(
    private readonly collection: () => Collection<ScheduleDocument>,
  ) {}

  async saveSchedule(draft: ScheduleDraft): Promise<ScheduleSaved> {
    const schedules = this.collection();
    try {
      await writing(() =>
        schedules.insertOne({
          ...scheduleId(draft.id),
          definition: draft.definition,
          paused: false,
          lastTickAt: draft.now,
          createdAt: draft.now,
          updatedAt: draft.now,
        }),
      );
      return 'created';
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const { modifiedCount } = await writing(() =>
      schedules.updateOne(
        { ...scheduleId(draft.id), definition: { $ne: draft.definition } },
        { $set: { definition: draft.definition, updatedAt: draft.now } },
      ),
    );
    return modifiedCount === 1 ? 'updated' : 'unchanged';
  }

  async getSchedule(id: string): Promise<ScheduleRecord | undefined> {
    const found = await this.collection().findOne(scheduleId(id));
    return found ? toRecord(found) : undefined;
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    const all = await this.collection().find({}).sort({ _id: 1 }).toArray();
    return all.map(toRecord);
  }

  async pauseSchedule(
    id: string,
    change: { paused: boolean; now: number },
  ): Promise<boolean> {
    const schedules = this.collection();
    await schedules.updateOne(
      { ...scheduleId(id), paused: !change.paused },
      change.paused
        ? { $set: { paused: true, updatedAt: change.now } }
        : {
            $set: { paused: false, updatedAt: change.now },
            $max: { lastTickAt: change.now },
          },
    );
    return (await schedules.countDocuments(scheduleId(id), { limit: 1 })) === 1;
  }

  async advanceSchedule(
    id: string,
    advance: ScheduleAdvance,
  ): Promise<boolean> {
    const { matchedCount } = await this.collection().updateOne(
      { ...scheduleId(id), lastTickAt: advance.from },
      {
        $set: {
          lastTickAt: advance.to,
          updatedAt: advance.now,
          ...(advance.workflowId === undefined
            ? {}
            : { lastWorkflowId: advance.workflowId }),
        },
      },
    );
    return matchedCount === 1;
  }

  async removeSchedule(id: string): Promise<boolean> {
    const { deletedCount } = await this.collection().deleteOne(scheduleId(id));
    return deletedCount === 1;
  }
}
