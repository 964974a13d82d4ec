import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The compiled sample app, built by `npm run build:sample` (`npm test` does it first). */
export const SAMPLE_MAIN = join(__dirname, '../../dist-sample/main.js');

export interface RunningSample {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  output: () => string;
}

/** Starts the compiled sample app, as `npm start` does, on a free port. */
export async function startSample(
  env: Record<string, string>,
): Promise<RunningSample> {
  if (!existsSync(SAMPLE_MAIN))
    throw new Error(
      'Build the sample first: npm run build:sample (npm test does).',
    );
  const child = spawn(process.execPath, [SAMPLE_MAIN], {
    env: {
      ...process.env,
      PORT: '0',
      NO_COLOR: '1',
      LIDEX_MONGO_URL: '',
      LIDEX_POSTGRES_URL: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => resolve(code)),
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1].replace('[::1]', 'localhost'));
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) =>
      reject(new Error(`sample exited with ${code}:\n${output}`)),
    );
  });
  return { child, url, exited, output: () => output };
}
