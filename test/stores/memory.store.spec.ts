import { memoryStoreFactory } from '../support/store-factories';
import { operationsContract, persistenceContract } from '@lidex/nestjs/testing';

persistenceContract(memoryStoreFactory());
operationsContract(memoryStoreFactory());
