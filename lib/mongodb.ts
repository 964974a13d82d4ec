/**
 * `@lidex/nestjs/mongodb`: the MongoDB store. Its own entry point because its options name the
 * driver's `MongoClient`: only an app that imports this entry needs `mongodb` and its types.
 * The driver itself is loaded when the store opens.
 */
export { MongoStore } from './stores/mongodb/mongo.store';
export type { MongoStoreOptions } from './stores/mongodb/mongo.options';
