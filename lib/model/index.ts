/**
 * The model the engine and the stores share: statuses, records, errors, counts. Both import it;
 * it imports neither (an ESLint rule holds the boundary), so a store never depends on the engine.
 */
export * from './workflow-status';
export * from './records';
export * from './schedule-records';
export * from './flow-fields';
export * from './activity-records';
