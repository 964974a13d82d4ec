import { Injectable } from '@nestjs/common';

export interface Invoice {
  id: string;
  accountId: string;
  amount: number;
  paid: boolean;
  /** Free text from whoever asked for the collection (a support agent, say). */
  note?: string;
}

/**
 * The sample's invoices, in memory: every numeric id exists, belongs to account `acc-<id>`
 * and is for `<id>` × 10 units. Invoice 13's account has a card that is always declined.
 */
@Injectable()
export class InvoiceRepository {
  private readonly invoices = new Map<string, Invoice>();

  find(id: string): Invoice | undefined {
    const known = this.invoices.get(id);
    if (known) return known;
    if (!/^\d+$/.test(id)) return undefined;
    const invoice = {
      id,
      accountId: `acc-${id}`,
      amount: Number(id) * 10,
      paid: false,
    };
    this.invoices.set(id, invoice);
    return invoice;
  }

  addNote(id: string, note: string): void {
    const invoice = this.find(id);
    if (invoice) invoice.note = note;
  }

  markAsPaid(id: string): void {
    const invoice = this.find(id);
    if (invoice) invoice.paid = true;
  }
}
