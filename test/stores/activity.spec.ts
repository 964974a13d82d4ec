import { activityContract } from '@lidex/nestjs/testing';
import {
  memoryStoreFactory,
  sqliteStoreFactory,
} from '../support/store-factories';

// The dashboard's charts, from the stores that answer `activity`.
activityContract(memoryStoreFactory());
activityContract(sqliteStoreFactory());
