import { Injectable } from '@nestjs/common';

export interface Account {
  id: string;
  paymentToken: string;
  blocked: boolean;
}

/** The sample's accounts, in memory. Account "acc-13" has a card that is always declined. */
@Injectable()
export class AccountRepository {
  private readonly accounts = new Map<string, Account>();

  find(id: string): Account | undefined {
    const known = this.accounts.get(id);
    if (known) return known;
    const match = /^acc-(\d+)$/.exec(id);
    if (!match) return undefined;
    const account: Account = {
      id,
      paymentToken: match[1] === '13' ? 'tok_declined' : 'tok_visa',
      blocked: false,
    };
    this.accounts.set(id, account);
    return account;
  }

  block(id: string): void {
    const account = this.find(id);
    if (account) account.blocked = true;
  }
}
