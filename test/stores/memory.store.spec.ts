import { memoryStoreFactory } from '../support/store-factories';
import {
  operationsContract,
  persistenceContract,
  signalsContract,
  schedulesContract,
} from '@lidex/nestjs/testing';

persistenceContract(memoryStoreFactory());
operationsContract(memoryStoreFactory());
signalsContract(memoryStoreFactory());
schedulesContract(memoryStoreFactory());
