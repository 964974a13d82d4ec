import { firstValueFrom, take, toArray } from 'rxjs';
import { LidexModule, MemoryStore, type LidexEvent } from '@lidex/nestjs';
import { bootNestApp } from '../support/nest-app';
import { TypedGreetingModule } from './fixtures/typed-greeting.fixture';

const boot = () =>
  bootNestApp([
    LidexModule.forRoot({
      persistence: new MemoryStore(),
      pollIntervalMs: 10,
      retryIntervalMs: 0,
    }),
    TypedGreetingModule,
  ]);

describe('LidexClient.events$', () => {
  it('streams the lifecycle of the app’s workflows as an Observable', async () => {
    const { client } = await boot();
    const seen: LidexEvent[] = [];
    const subscription = client.events$.subscribe((event) => seen.push(event));
    const finishedTwo = firstValueFrom(
      client.events({ type: 'finished' }).pipe(take(2), toArray()),
    );
    expect(await client.start('g-1', 'typed-greet', { name: 'Ada' })).toBe(
      true,
    );
    const finished = await finishedTwo;
    subscription.unsubscribe();
    expect(finished.map((e) => e.workflowId).sort()).toEqual([
      'g-1',
      'thank-g-1',
    ]);
    expect(
      seen.filter((e) => e.workflowId === 'g-1').map((e) => e.type),
    ).toEqual(['started', 'claimed', 'step-recorded', 'finished']);
  });

  it('filters by workflow name and id, and by several types', async () => {
    const { client } = await boot();
    const thankSteps = firstValueFrom(
      client
        .events({ workflowName: 'typed-thank', type: ['step-recorded'] })
        .pipe(take(1)),
    );
    const ofOne = firstValueFrom(
      client.events({ workflowId: 'g-2', type: 'finished' }).pipe(take(1)),
    );
    await client.start('g-2', 'typed-greet', { name: 'Eve' });
    expect(await thankSteps).toMatchObject({
      type: 'step-recorded',
      workflowId: 'thank-g-2',
      stepId: 'thank',
    });
    expect(await ofOne).toMatchObject({ workflowId: 'g-2' });
  });
});
