import { flowControlContract } from '@lidex/nestjs/testing';
import { describePostgres, postgresStoreFactory } from '../support/postgres';
import {
  memoryStoreFactory,
  sqliteStoreFactory,
} from '../support/store-factories';

// The flow-control contract on every store: priorities, concurrency limits (all, per key) and
// rate limits, enforced inside the claim, with two store objects racing.
flowControlContract(memoryStoreFactory());
flowControlContract(sqliteStoreFactory());
describePostgres('PostgreSQL', () => {
  flowControlContract(postgresStoreFactory());
});
