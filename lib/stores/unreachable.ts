/**
 * For the SQL stores (`Persistence.isUnreachable`): an error the server did not refuse the
 * statement with (`refusedByServer`, the predicate their write batches use) is a connection's,
 * refused or lost, unless it is a bug's (a `TypeError`, ...), which no outage throws.
 */
export function unreachableUnlessRefused(
  error: unknown,
  refusedByServer: (error: unknown) => boolean,
): boolean {
  const bug =
    error instanceof TypeError ||
    error instanceof RangeError ||
    error instanceof ReferenceError ||
    error instanceof SyntaxError;
  return !bug && !refusedByServer(error);
}
