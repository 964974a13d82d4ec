import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { messages } from '../lidex.messages';
import type {
  WorkflowQuery,
  WorkflowSummaryRecord,
} from '../stores/persistence';
import { toFlowFilters } from './list-flow-filters';
import { WORKFLOW_STATUSES, type ListOptions } from './types';

export const LIST_LIMIT = { default: 50, max: 500 } as const;

/**
 * Checks `list()` options and turns them into a store query. The query asks for one workflow
 * more than the page holds: if it comes back, there is a next page.
 */
export function toWorkflowQuery(options: ListOptions): WorkflowQuery {
  const { status, name, version, cursor, waiting } = options;
  const flow = toFlowFilters(options);
  const limit = options.limit ?? LIST_LIMIT.default;
  if (status !== undefined && !WORKFLOW_STATUSES.includes(status)) {
    throw new InvalidArgumentError(
      messages.invalidListOption(
        'status',
        status,
        `one of ${WORKFLOW_STATUSES.join(', ')}`,
      ),
    );
  }
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
    throw new InvalidArgumentError(
      messages.invalidListOption('name', name, 'a non-empty string'),
    );
  }
  if (
    version !== undefined &&
    (typeof version !== 'number' || !Number.isInteger(version) || version < 0)
  ) {
    throw new InvalidArgumentError(
      messages.invalidListOption('version', version, 'an integer of 0 or more'),
    );
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > LIST_LIMIT.max) {
    throw new InvalidArgumentError(
      messages.invalidListOption(
        'limit',
        limit,
        `an integer from 1 to ${LIST_LIMIT.max}`,
      ),
    );
  }
  if (waiting !== undefined && waiting !== 'signal' && waiting !== 'child') {
    throw new InvalidArgumentError(
      messages.invalidListOption('waiting', waiting, "'signal' or 'child'"),
    );
  }
  return {
    status,
    name,
    version,
    ...(waiting === undefined ? {} : { waiting }),
    ...flow,
    limit: limit + 1,
    after: cursor === undefined ? undefined : decodeCursor(cursor),
  };
}

/** The page, and the cursor of the next one when the store returned more than a page. */
export function toPage(
  records: WorkflowSummaryRecord[],
  query: WorkflowQuery,
): { page: WorkflowSummaryRecord[]; nextCursor?: string } {
  const pageSize = query.limit - 1;
  if (records.length <= pageSize) return { page: records };
  const page = records.slice(0, pageSize);
  const last = page[page.length - 1];
  return { page, nextCursor: encodeCursor(last.createdAt, last.id) };
}

function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function decodeCursor(cursor: unknown): { createdAt: number; id: string } {
  if (typeof cursor === 'string') {
    try {
      const decoded: unknown = JSON.parse(
        Buffer.from(cursor, 'base64url').toString('utf8'),
      );
      if (
        Array.isArray(decoded) &&
        decoded.length === 2 &&
        Number.isFinite(decoded[0]) &&
        typeof decoded[1] === 'string'
      ) {
        return { createdAt: decoded[0] as number, id: decoded[1] };
      }
    } catch {
      // Not JSON: reported below.
    }
  }
  throw new InvalidArgumentError(messages.invalidCursor());
}
