import {
  clockContract,
  operationsContract,
  persistenceContract,
  schedulesContract,
} from '@lidex/nestjs/testing';
import { describeMysql, mysqlStoreFactory } from '../support/mysql';

describeMysql('MySQL', () => {
  persistenceContract(mysqlStoreFactory());
  operationsContract(mysqlStoreFactory());
  schedulesContract(mysqlStoreFactory());
  clockContract(mysqlStoreFactory(), 'server-clock');
});
