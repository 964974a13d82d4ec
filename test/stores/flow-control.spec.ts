import {
  flowControlContract,
  keyedRateLimitContract,
} from '@lidex/nestjs/testing';
import { describeMysql, mysqlStoreFactory } from '../support/mysql';
import { describePostgres, postgresStoreFactory } from '../support/postgres';
import {
  memoryStoreFactory,
  sqliteStoreFactory,
} from '../support/store-factories';

// The flow-control contract on every store: priorities, concurrency limits (all, per key) and
// rate limits (all, per key), enforced inside the claim, with two store objects racing.
flowControlContract(memoryStoreFactory());
keyedRateLimitContract(memoryStoreFactory());
flowControlContract(sqliteStoreFactory());
keyedRateLimitContract(sqliteStoreFactory());
describePostgres('PostgreSQL', () => {
  flowControlContract(postgresStoreFactory());
  keyedRateLimitContract(postgresStoreFactory());
});
describeMysql('MySQL', () => {
  flowControlContract(mysqlStoreFactory());
  keyedRateLimitContract(mysqlStoreFactory());
});
