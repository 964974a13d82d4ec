import {
  compensationSlotsContract,
  flowControlContract,
  keyedRateLimitContract,
  flowSlotsContract,
} from '@lidex/nestjs/testing';
import { describeMysql, mysqlStoreFactory } from '../support/mysql';
import { describeEachMongo, mongoStoreFactory } from '../support/mongo';
import { describePostgres, postgresStoreFactory } from '../support/postgres';
import {
  memoryStoreFactory,
  sqliteStoreFactory,
} from '../support/store-factories';

// The flow-control contract on every store: priorities, concurrency limits (all, per key) and
// rate limits (all, per key), enforced inside the claim, with two store objects racing; and a
// cancelled workflow's compensations claimed before those waiting for its slot.
flowControlContract(memoryStoreFactory());
keyedRateLimitContract(memoryStoreFactory());
flowSlotsContract(memoryStoreFactory());
compensationSlotsContract(memoryStoreFactory());
flowControlContract(sqliteStoreFactory());
keyedRateLimitContract(sqliteStoreFactory());
flowSlotsContract(sqliteStoreFactory());
compensationSlotsContract(sqliteStoreFactory());
describePostgres('PostgreSQL', () => {
  flowControlContract(postgresStoreFactory());
  keyedRateLimitContract(postgresStoreFactory());
  flowSlotsContract(postgresStoreFactory());
  compensationSlotsContract(postgresStoreFactory());
});
describeMysql('MySQL', () => {
  flowControlContract(mysqlStoreFactory());
  keyedRateLimitContract(mysqlStoreFactory());
  flowSlotsContract(mysqlStoreFactory());
  compensationSlotsContract(mysqlStoreFactory());
});
describeEachMongo('MongoDB on $label', (server) => {
  flowControlContract(mongoStoreFactory(server));
  keyedRateLimitContract(mongoStoreFactory(server));
  flowSlotsContract(mongoStoreFactory(server));
  compensationSlotsContract(mongoStoreFactory(server));
});
