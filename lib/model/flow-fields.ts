/**
 * A workflow's `priority` and `concurrencyKey` as stores hand them back: each only when set
 * (a priority of 0 is the default, left out), so records of workflows without them are as before.
 */
export function flowFields(
  priority: number | null | undefined,
  concurrencyKey: string | null | undefined,
): { priority?: number; concurrencyKey?: string } {
  return {
    ...(priority ? { priority } : {}),
    ...(concurrencyKey != null ? { concurrencyKey } : {}),
  };
}
