import { Module } from '@nestjs/common';
import { AccountRepository } from './account.repository';
import { BlockAccountWorkflow } from './block-account.workflow';

@Module({
  providers: [AccountRepository, BlockAccountWorkflow],
  exports: [AccountRepository],
})
export class AccountsModule {}
