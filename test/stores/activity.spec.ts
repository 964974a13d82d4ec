import { activityContract } from '@lidex/nestjs/testing';
import {
  describeEachMongo,
  dropTestDatabases,
  mongoStoreFactory,
} from '../support/mongo';
import { describeMysql, mysqlStoreFactory } from '../support/mysql';
import { describePostgres, postgresStoreFactory } from '../support/postgres';
import {
  memoryStoreFactory,
  sqliteStoreFactory,
} from '../support/store-factories';

// The dashboard's charts, from the stores that answer `activity`.
activityContract(memoryStoreFactory());
activityContract(sqliteStoreFactory());
describePostgres('PostgreSQL', () => {
  activityContract(postgresStoreFactory());
});
describeMysql('MySQL', () => {
  const factory = mysqlStoreFactory();
  afterAll(() => factory.cleanup?.());
  activityContract(factory);
});
describeEachMongo('MongoDB store on $label', (server) => {
  activityContract(mongoStoreFactory(server));
  afterAll(dropTestDatabases);
});
