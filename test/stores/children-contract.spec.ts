import { childrenContract } from '@lidex/nestjs/testing';
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

// Child workflows' parents and their ends as signals, on every store that keeps them.
childrenContract(memoryStoreFactory());
childrenContract(sqliteStoreFactory());
describeEachMongo('MongoDB store on $label', (server) => {
  childrenContract(mongoStoreFactory(server));
  afterAll(dropTestDatabases);
});
describePostgres('PostgreSQL', () => {
  childrenContract(postgresStoreFactory());
});
describeMysql('MySQL', () => {
  childrenContract(mysqlStoreFactory());
});
