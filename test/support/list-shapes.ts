/*
 * The list filters the dashboard's Priority and Key filters ask for, and the values the list
 * index specs (test/stores/list-indexes*.spec.ts) list among their seeded workflows.
 */

export const ROWS = 20_000;
/**
 * The values listed: a priority one workflow in 7 has (the others have 0), a key one in 41 has
 * (half have a key of their own, 40 workflows each), a status one in 10 has: the filters that
 * pay for an index (a value most workflows have is found as fast by walking the newest).
 */
export const PRIORITY = 5;
export const KEY = 'big';
export const STATUS = 'aborted';

/** The filter combinations the dashboard asks for, each with and without a cursor. */
export interface Shape {
  status?: boolean;
  name?: boolean;
  priority?: boolean;
  concurrencyKey?: boolean;
}
export const SHAPES: Shape[] = [
  { priority: true },
  { concurrencyKey: true },
  { priority: true, status: true },
  { concurrencyKey: true, status: true },
  { priority: true, name: true },
  { concurrencyKey: true, name: true },
  { priority: true, concurrencyKey: true },
  { priority: true, concurrencyKey: true, status: true },
];
export const label = (shape: Shape, after: boolean) =>
  `${Object.keys(shape).join('+')}${after ? ' after a cursor' : ''}`;
