import { MongoClient } from 'mongodb';
import { currentStoreCall } from './counting-store';

/**
 * A MongoClient that counts the commands it sends to the server. One store call can be several
 * commands (a claim is a find, an insert and an update), so the round trips that cost time are
 * these, not the store calls. Each command is added to the store call it was sent for; commands
 * sent outside any counted store call are counted in `outside`.
 */
export function commandCountingClient(url: string): {
  client: MongoClient;
  outside: { commands: number };
} {
  const client = new MongoClient(url, { monitorCommands: true });
  const outside = { commands: 0 };
  client.on('commandStarted', () => {
    const call = currentStoreCall.getStore();
    if (call) call.commands += 1;
    else outside.commands += 1;
  });
  return { client, outside };
}
