import { memoryStoreFactory } from '../support/store-factories';
import {
  operationsContract,
  persistenceContract,
  schedulesContract,
  signalsContract,
  retentionContract,
} from '@lidex/nestjs/testing';

persistenceContract(memoryStoreFactory());

signalsContract(memoryStoreFactory());
operationsContract(memoryStoreFactory());
schedulesContract(memoryStoreFactory());
retentionContract(memoryStoreFactory());
