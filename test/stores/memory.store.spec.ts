import { memoryStoreFactory } from '../support/store-factories';
import { describeStoreContract } from './store-contract';
import { describeStoreOperations } from './store-operations-contract';

describeStoreContract(memoryStoreFactory());
describeStoreOperations(memoryStoreFactory());
