import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowInfo } from '@lidex/nestjs';
import { messages } from '../../lib/lidex.messages';
import { tempDir } from '../support/temp-dir';

const APP = join(__dirname, 'fixtures/misuse-app.js');
const DIST = join(__dirname, '../../dist/index.js');

interface AppRun {
  code: number | null;
  output: string;
  info?: WorkflowInfo;
  journal: string[];
}

/** Runs the fixture Nest app (a real process, on the built package) for one workflow. */
async function runApp(workflow: string): Promise<AppRun> {
  const dir = tempDir('lidex-misuse-');
  try {
    const journalPath = join(dir.path, 'journal');
    const child = spawn(
      process.execPath,
      [APP, join(dir.path, 'lidex.sqlite'), workflow, journalPath],
      { env: { ...process.env, NO_COLOR: '1' }, stdio: 'pipe' },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) =>
      child.once('close', resolve),
    );
    const result = /^RESULT (.*)$/m.exec(output);
    return {
      code,
      output,
      info: result ? (JSON.parse(result[1]) as WorkflowInfo) : undefined,
      journal: existsSync(journalPath)
        ? readFileSync(journalPath, 'utf8').trim().split('\n')
        : [],
    };
  } finally {
    dir.remove();
  }
}

/**
 * A ctx call the workflow forgets to await must not kill the app, hang, or lose a side effect
 * silently: it is a ContextMisuseError, logged and stored, and the workflow ends at once.
 */
describe('a Nest app that misuses ctx (a real process)', () => {
  beforeAll(() => {
    if (!existsSync(DIST))
      throw new Error(
        'Build the package first: npm run build (npm test does).',
      );
  });

  it('survives a step it did not await whose function rejects, and stores why', async () => {
    const run = await runApp('unawaited-failing-step');
    expect(run.code).toBe(0);
    expect(run.output).not.toContain('Error: card declined');
    expect(run.info).toMatchObject({
      status: 'aborted',
      failures: 1,
      error: {
        name: 'ContextMisuseError',
        message: messages.ctxCallNotAwaited(
          'w',
          'ctx.step("charge")',
          'card declined',
        ),
      },
    });
    expect(run.journal).toEqual(['charge ran']);
    expect(run.output).toContain(
      messages.ctxCallNotAwaited('w', 'ctx.step("charge")', 'card declined'),
    );
  }, 30_000);

  it('does not finish a workflow whose unawaited step was still running: it records the step and says so', async () => {
    const run = await runApp('unawaited-step');
    expect(run.code).toBe(0);
    expect(run.info?.status).toBe('aborted');
    expect(run.info?.error?.message).toBe(
      messages.ctxCallNotAwaited('w', 'ctx.step("email")'),
    );
    expect(run.journal).toEqual(['email sent']);
    expect(run.info?.steps.map((step) => step.id)).toEqual(['email']);
    expect(run.output).not.toContain('another instance took it over');
  }, 30_000);

  it('refuses a ctx call made after the workflow returned, at once, without running it', async () => {
    const run = await runApp('late-call');
    expect(run.code).toBe(0);
    expect(run.journal).toEqual(['late rejected ContextMisuseError']);
    expect(run.output).toContain(
      messages.ctxCallAfterEnd('w', 'ctx.step("late")'),
    );
    expect(run.output).not.toContain('another instance took it over');
  }, 30_000);
});
