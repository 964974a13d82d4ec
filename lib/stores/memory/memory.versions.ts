import type { ClaimOptions, StoredWorkflow } from '../persistence';

/**
 * Whether a worker that runs `options.versions` may claim `workflow`: not when it runs an older
 * version of that name (rolling deploys). Names it does not list are not limited.
 */
export function claimableVersion(
  workflow: Pick<StoredWorkflow, 'name' | 'version'>,
  options: ClaimOptions | undefined,
): boolean {
  const runs = options?.versions?.get(workflow.name);
  return runs === undefined || workflow.version <= runs;
}
