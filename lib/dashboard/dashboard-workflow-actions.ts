import type { WorkflowInfo } from '../engine/types';
import { WorkflowNotFoundError } from '../errors/workflow-not-found.error';
import type { LidexClient } from '../lidex.client';
import { readSignalBody } from './dashboard-signal-body';

/**
 * What the dashboard's routes for one workflow do, whichever way they take its id (in the path
 * or in the query): read it, cancel, retry, terminate, delete it, or send it a signal, through
 * the app's `LidexClient`, each answered as the page reads it.
 */
export class DashboardWorkflowActions {
  constructor(private readonly lidex: LidexClient) {}

  async inspect(id: string): Promise<WorkflowInfo> {
    // Values this process cannot decrypt show as such (`encrypted (key k1)`), not as an error.
    const workflow = await this.lidex.inspect(id);
    if (!workflow) throw new WorkflowNotFoundError(id);
    return workflow;
  }

  async cancel(id: string): Promise<{ cancelled: boolean }> {
    return { cancelled: await this.lidex.cancel(id) };
  }

  /** `delivered: false`: the workflow had ended, and nothing was stored. */
  async signal(id: string, body: unknown): Promise<{ delivered: boolean }> {
    const { name, payload } = readSignalBody(body);
    return { delivered: await this.lidex.signal(id, name, payload) };
  }

  async terminate(id: string): Promise<{ terminated: boolean }> {
    return { terminated: await this.lidex.terminate(id) };
  }

  async delete(id: string): Promise<{ deleted: boolean }> {
    await this.lidex.delete(id);
    return { deleted: true };
  }

  async retry(id: string): Promise<{ retried: boolean }> {
    return { retried: await this.lidex.retry(id) };
  }
}
