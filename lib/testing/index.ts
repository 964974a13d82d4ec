/**
 * `@lidex/nestjs/testing`: helpers for testing workflows and stores, kept out of the root entry
 * so that production code never loads them: the manual test clock (advance time, run what is
 * due). The store contract suites are to follow.
 */
export { ManualClock } from './manual-clock';
