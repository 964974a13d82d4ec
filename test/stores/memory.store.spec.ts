import { memoryStoreFactory } from '../support/store-factories';
import { describeStoreContract } from './store-contract';

describeStoreContract(memoryStoreFactory());
