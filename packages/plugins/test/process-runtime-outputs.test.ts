import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProcessRuntime } from '../src/process-runtime/runtime.js';
import { attemptOf } from './helpers.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(os.tmpdir(), 'kontroler-outputs-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('process runtime: outputs (docs/flow/outputs.md)', () => {
  it('reads one file per declared output from $KONTROLER_OUTPUTS_DIR: JSON, else a string; undeclared files are ignored', async () => {
    const runtime = createProcessRuntime({ workDir: root });
    const a = attemptOf({
      name: 'produce',
      script: [
        'echo \'["a.csv", "b.csv"]\' > "$KONTROLER_OUTPUTS_DIR/files"',
        'echo hello > "$KONTROLER_OUTPUTS_DIR/greeting"',
        'echo "$GREETING_TO" > "$KONTROLER_OUTPUTS_DIR/to"',
        'echo 1 > "$KONTROLER_OUTPUTS_DIR/other"',
      ].join('\n'),
      env: [{ name: 'GREETING_TO', value: 'world' }],
      outputs: [{ name: 'files' }, { name: 'greeting' }, { name: 'to' }, { name: 'missing' }],
    });
    await expect(runtime.execute(a.ctx)).resolves.toEqual({
      status: 'succeeded',
      exitCode: 0,
      reason: 'Completed',
      outputs: { files: ['a.csv', 'b.csv'], greeting: 'hello', to: 'world' },
    });
    // The outputs directory does not outlive the attempt.
    expect(
      (await readdir(root, { recursive: true })).filter((f) => f.includes('.kontroler-outputs')),
    ).toEqual([]);
    await runtime.close();
  });

  it('fails the task with OutputTooLarge for a file over 64 KiB, never truncating it', async () => {
    const runtime = createProcessRuntime({ workDir: root });
    const a = attemptOf({
      name: 'huge',
      script: 'head -c 70000 /dev/zero | tr "\\0" x > "$KONTROLER_OUTPUTS_DIR/blob"',
      outputs: [{ name: 'blob' }],
    });
    await expect(runtime.execute(a.ctx)).resolves.toMatchObject({
      status: 'failed',
      reason: 'OutputTooLarge',
      message: 'output "blob" is 70000 bytes; at most 65536 are allowed',
      nonRetryable: true,
    });
    await runtime.close();
  });
});
