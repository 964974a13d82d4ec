/**
 * CPU time this process spent per workflow since `since` (a `process.cpuUsage()` reading), user
 * and system, in µs. Unlike a rate, it barely moves when other work loads the machine; it leaves
 * out what a database server or a worker process spent.
 */
export function cpuUsPerWorkflow(
  since: NodeJS.CpuUsage,
  workflows: number,
): number {
  const used = process.cpuUsage(since);
  return Math.round((used.user + used.system) / workflows);
}
