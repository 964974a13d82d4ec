import { memoryStoreFactory } from '../support/store-factories';
import {
  operationsContract,
  persistenceContract,
  schedulesContract,
  signalsContract,
  retentionContract,
  compensationContract,
} from '@lidex/nestjs/testing';

persistenceContract(memoryStoreFactory());

signalsContract(memoryStoreFactory());
operationsContract(memoryStoreFactory());
schedulesContract(memoryStoreFactory());
retentionContract(memoryStoreFactory());
compensationContract(memoryStoreFactory());
