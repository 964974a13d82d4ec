import { traceContextContract } from '@lidex/nestjs/testing';
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

// The trace context kept with each workflow (OpenTelemetry), on every store.
traceContextContract(memoryStoreFactory());
traceContextContract(sqliteStoreFactory());
describeEachMongo('MongoDB store on $label', (server) => {
  traceContextContract(mongoStoreFactory(server));
  afterAll(dropTestDatabases);
});
describePostgres('PostgreSQL', () => {
  traceContextContract(postgresStoreFactory());
});
describeMysql('MySQL', () => {
  traceContextContract(mysqlStoreFactory());
});
