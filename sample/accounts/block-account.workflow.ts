import { Injectable, Logger } from '@nestjs/common';
import { Workflow, type WorkflowContext } from '@lidex/nestjs';
import { AccountRepository } from './account.repository';

@Injectable()
export class BlockAccountWorkflow {
  private readonly logger = new Logger(BlockAccountWorkflow.name);

  constructor(private readonly accounts: AccountRepository) {}

  @Workflow('block-account')
  async blockAccount(
    ctx: WorkflowContext,
    accountId: string,
  ): Promise<{ blocked: string }> {
    await ctx.step('block', () => {
      this.accounts.block(accountId);
      this.logger.log(
        `Account ${accountId} blocked after repeated failed payments`,
      );
    });
    return { blocked: accountId };
  }
}
