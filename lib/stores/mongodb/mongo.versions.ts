import type { Filter } from 'mongodb';
import type { ClaimOptions } from '../persistence';
import type { WorkflowDocument } from './mongo.documents';

/*
 * Versions in the MongoDB store. A document written before versions has no `version` field: it
 * is version 1, in claims, reads and lists alike.
 */

/**
 * The claim's version rule, to add to a claim's filter: none of the names the worker lists with
 * a higher version than it runs. Names are values here, never field names.
 */
export function skipNewerVersions(
  options: ClaimOptions | undefined,
): Filter<WorkflowDocument> {
  const versions = options?.versions;
  if (!versions || versions.size === 0) return {};
  return {
    $nor: [...versions].map(([name, version]) => ({
      name: { $eq: name },
      version: { $gt: version },
    })),
  };
}

/** The list filter of one version (version 1 includes documents without the field). */
export function ofVersion(version: number): Filter<WorkflowDocument> {
  if (version !== 1) return { version: { $eq: version } };
  return { $or: [{ version: { $eq: 1 } }, { version: { $exists: false } }] };
}

/** The version a document records. */
export const versionOf = (doc: Pick<WorkflowDocument, 'version'>): number =>
  doc.version ?? 1;
