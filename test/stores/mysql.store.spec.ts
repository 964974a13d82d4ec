import {
  clockContract,
  compensationContract,
  operationsContract,
  persistenceContract,
  retentionContract,
  schedulesContract,
  signalsContract,
} from '@lidex/nestjs/testing';
import { describeMysql, mysqlStoreFactory } from '../support/mysql';

describeMysql('MySQL', () => {
  persistenceContract(mysqlStoreFactory());
  signalsContract(mysqlStoreFactory());
  operationsContract(mysqlStoreFactory());
  schedulesContract(mysqlStoreFactory());
  retentionContract(mysqlStoreFactory());
  compensationContract(mysqlStoreFactory());
  clockContract(mysqlStoreFactory(), 'server-clock');
});
