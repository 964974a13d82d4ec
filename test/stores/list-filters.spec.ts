import { listFiltersContract } from '@lidex/nestjs/testing';
import { describeEachMongo, mongoStoreFactory } from '../support/mongo';
import { describeMysql, mysqlStoreFactory } from '../support/mysql';
import { describePostgres, postgresStoreFactory } from '../support/postgres';
import {
  memoryStoreFactory,
  sqliteStoreFactory,
} from '../support/store-factories';

// The list's priority and concurrency-key filters (the dashboard's), on every store.
listFiltersContract(memoryStoreFactory());
listFiltersContract(sqliteStoreFactory());
describePostgres('PostgreSQL', () => {
  listFiltersContract(postgresStoreFactory());
});
describeMysql('MySQL', () => {
  listFiltersContract(mysqlStoreFactory());
});
describeEachMongo('MongoDB on $label', (server) => {
  listFiltersContract(mongoStoreFactory(server));
});
