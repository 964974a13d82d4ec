import { Injectable, Logger } from '@nestjs/common';
import { defineWorkflow, Workflow, type WorkflowContext } from '@lidex/nestjs';
import { AccountRepository } from './account.repository';

/** Blocks an account (its id); collect-payment runs it as a child after three failed attempts. */
export const BlockAccount = defineWorkflow<string, { blocked: string }>(
  'block-account',
);

@Injectable()
export class BlockAccountWorkflow {
  private readonly logger = new Logger(BlockAccountWorkflow.name);

  constructor(private readonly accounts: AccountRepository) {}

  @Workflow(BlockAccount)
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
