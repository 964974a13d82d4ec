/**
 * `@lidex/nestjs/testing`: helpers for testing workflows and stores, kept out of the root entry
 * so that production code never loads them. It is to hold the manual test clock (advance time,
 * run what is due) and the store contract suites that a store written elsewhere runs against
 * its own factory; until those land it exports nothing.
 */
export {};
