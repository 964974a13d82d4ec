import { join } from 'node:path';
import {
  consumerProject,
  type ConsumerProject,
  type Resolution,
} from './consumer-project';

// An app that installs @nestjs/cqrs and @nestjs/event-emitter beside @lidex/nestjs reaches the
// `/cqrs` and `/event-emitter` entry points under each of TypeScript's ways of resolving a
// package, with `skipLibCheck: false`. (The consumers of consumer.spec.ts have neither package
// and compile the root entry without them.) Needs `npm run build` first.

jest.setTimeout(120_000);

const RESOLUTIONS: Resolution[] = ['node10', 'node16', 'bundler'];

describe('a consumer with @nestjs/cqrs and @nestjs/event-emitter installed', () => {
  let project: ConsumerProject | undefined;
  beforeAll(() => {
    project = consumerProject('events', {
      main: join(__dirname, 'fixtures/events-app.ts'),
    });
  });
  afterAll(() => project?.remove());

  it.each(RESOLUTIONS)('compiles (moduleResolution %s)', async (resolution) => {
    const { code, output } = await project!.compile(resolution);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('runs: each event delivered twice starts one workflow', async () => {
    const run = await project!.run('node10', 'main');
    expect(run).toEqual({
      code: 0,
      output: `${JSON.stringify({ statuses: ['finished', 'finished'], workflows: 2 })}\n`,
    });
  });
});
