import { childrenContract } from '@lidex/nestjs/testing';
import {
  memoryStoreFactory,
  sqliteStoreFactory,
} from '../support/store-factories';

// The stores that keep child workflows so far; each runs the shipped suite.
childrenContract(memoryStoreFactory());
childrenContract(sqliteStoreFactory());
