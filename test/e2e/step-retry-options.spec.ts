import {
  InvalidOptionsError,
  LidexModule,
  MemoryStore,
  UnknownOptionError,
} from '@lidex/nestjs';
import { messages } from '../../lib/lidex.messages';
import { bootNestApp } from '../support/nest-app';

describe('LidexModule.forRoot({ stepRetry }) refuses a policy it cannot use', () => {
  const boot = (stepRetry: unknown) =>
    bootNestApp([
      LidexModule.forRoot({
        persistence: new MemoryStore(),
        stepRetry: stepRetry as never,
      }),
    ]);

  it.each([
    ['attempts', 0, 'an integer from 1 to 1000'],
    ['backoffCoefficient', 0.5, 'a number from 1 to 100'],
    ['retryIf', 'yes', 'a function'],
  ])(
    'stepRetry.%s = %j stops the bootstrap, naming it',
    async (key, value, expected) => {
      const booting = boot({ [key]: value });
      await expect(booting).rejects.toBeInstanceOf(InvalidOptionsError);
      await expect(boot({ [key]: value })).rejects.toThrow(
        messages.invalidOption(`stepRetry.${key}`, value, expected),
      );
    },
  );

  it('names the known key for a misspelt one', async () => {
    const booting = boot({ atempts: 3 });
    await expect(booting).rejects.toBeInstanceOf(UnknownOptionError);
    await expect(boot({ atempts: 3 })).rejects.toThrow(
      messages.didYouMean('attempts'),
    );
  });
});
