/**
 * Text that only an error or a log needs: a string, or a function building it when it is read,
 * so the hot path (every step of every workflow) does not build messages nobody reads.
 */
export type LazyText = string | (() => string);

export const textOf = (text: LazyText): string =>
  typeof text === 'string' ? text : text();
