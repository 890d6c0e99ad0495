// Pure, plus the outputs wrapper run by a real `sh` on this machine (no control plane).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskOutcome, TaskSpec } from '@kontroler/core';
import type { V1Pod } from '@kubernetes/client-node';
import {
  buildPod,
  collectOutputs,
  decodePodOutputs,
  encodePodOutputs,
  MAX_POD_OUTPUT_BYTES,
  OUTPUTS_WRAPPER,
  trimPod,
  type PodInput,
} from '@kontroler/k8s-runtime';

const input = (task: Partial<TaskSpec>, extra: Partial<PodInput> = {}): PodInput => ({
  attemptId: 'att-1',
  runId: 'run-1',
  dagName: 'flow',
  dagVersion: 1,
  namespace: 'team-a',
  taskName: 'extract',
  attempt: 1,
  task: { name: 'extract', image: 'alpine:3.20', ...task },
  parameters: {},
  ...extra,
});

describe('buildPod with outputs', () => {
  it('runs a script under the outputs wrapper, with an emptyDir at /kontroler/outputs and KONTROLER_OUTPUTS_DIR', () => {
    const pod = buildPod(
      input({
        script: 'echo 42 > $KONTROLER_OUTPUTS_DIR/rows',
        outputs: [{ name: 'rows' }, { name: 'files' }],
      }),
    );
    const c = pod.spec!.containers[0]!;
    expect(c.command).toEqual([
      'sh',
      '-c',
      OUTPUTS_WRAPPER,
      'kontroler-task',
      '/dev/termination-log',
      'rows files',
      'sh',
      '-c',
      'echo 42 > $KONTROLER_OUTPUTS_DIR/rows',
    ]);
    expect(c.args).toBeUndefined();
    expect(c.terminationMessagePath).toBe('/dev/termination-log');
    expect(c.terminationMessagePolicy).toBe('File');
    expect(c.env?.at(-1)).toEqual({ name: 'KONTROLER_OUTPUTS_DIR', value: '/kontroler/outputs' });
    expect(pod.spec!.volumes).toEqual([{ name: 'kontroler-outputs', emptyDir: {} }]);
    expect(c.volumeMounts).toEqual([{ name: 'kontroler-outputs', mountPath: '/kontroler/outputs' }]);
    // One container: no sidecar, no init container.
    expect(pod.spec!.containers).toHaveLength(1);
    expect(pod.spec!.initContainers).toBeUndefined();
  });

  it('wraps command and args into one argv, after the template volumes and before the workspace', () => {
    const pod = buildPod(
      input(
        {
          command: ['python', '-c'],
          args: ['print(1)'],
          outputs: [{ name: 'n' }],
          podTemplate: {
            volumes: [{ name: 'data', emptyDir: {} }],
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          },
        },
        { workspace: { enable: true } },
      ),
    );
    const c = pod.spec!.containers[0]!;
    expect(c.command!.slice(5)).toEqual(['n', 'python', '-c', 'print(1)']);
    expect(c.args).toBeUndefined();
    expect(pod.spec!.volumes!.map((v) => v.name)).toEqual(['data', 'kontroler-outputs', 'workspace']);
  });

  it('leaves a task without outputs exactly as before: no wrapper, no volume, no variable', () => {
    const pod = buildPod(input({ command: ['echo'], args: ['hi'] }));
    const { env, ...c } = pod.spec!.containers[0]!;
    expect(c).toEqual({ name: 'extract', image: 'alpine:3.20', command: ['echo'], args: ['hi'] });
    expect(env?.map((e) => e.name)).not.toContain('KONTROLER_OUTPUTS_DIR');
    expect(pod.spec!.volumes).toBeUndefined();
  });

  it("puts the task's rendered env first, then parameters (which win), then the engine's variables", () => {
    const pod = buildPod(
      input(
        {
          script: 'true',
          env: [
            { name: 'ROWS', value: '42' },
            { name: 'region', value: 'from-env' },
          ],
          outputs: [{ name: 'x' }],
        },
        { parameters: { region: { value: 'eu' }, token: { fromSecret: 'tok' } } },
      ),
    );
    const env = pod.spec!.containers[0]!.env!;
    expect(env.slice(0, 3)).toEqual([
      { name: 'ROWS', value: '42' },
      { name: 'region', value: 'eu' },
      { name: 'token', valueFrom: { secretKeyRef: { name: 'tok', key: 'secret' } } },
    ]);
    expect(env.slice(3).every((e) => e.name.startsWith('KONTROLER_'))).toBe(true);
    expect(env.at(-1)).toEqual({ name: 'KONTROLER_OUTPUTS_DIR', value: '/kontroler/outputs' });
  });
});

describe('decodePodOutputs', () => {
  it('reads what encodePodOutputs writes: JSON values, strings with one trailing newline removed', () => {
    const message = encodePodOutputs({
      files: '["a.csv","b.csv"]\n',
      rows: '42',
      greeting: 'hello\n',
      multi: 'line one\nline two\n\n',
      unicode: '"żółw 🐢"',
    });
    const names = ['files', 'rows', 'greeting', 'multi', 'unicode'];
    expect(decodePodOutputs(message, names)).toEqual({
      outputs: {
        files: ['a.csv', 'b.csv'],
        rows: 42,
        greeting: 'hello',
        multi: 'line one\nline two\n',
        unicode: 'żółw 🐢',
      },
    });
  });

  it('keeps only declared outputs, and gives none without the header (a message the task wrote itself)', () => {
    expect(decodePodOutputs(encodePodOutputs({ a: '1', b: '2' }), ['a'])).toEqual({ outputs: { a: 1 } });
    expect(decodePodOutputs(undefined, ['a'])).toEqual({ outputs: {} });
    expect(decodePodOutputs('panic: boom', ['a'])).toEqual({ outputs: {} });
  });

  it('fits exactly 4096 bytes and refuses one more, naming each output and its size', () => {
    // header (21) + "big 4065\n" (9) + content + "\n" (1) = 4096 at content 4065.
    const fits = encodePodOutputs({ big: 'x'.repeat(4065) });
    expect(Buffer.byteLength(fits)).toBe(MAX_POD_OUTPUT_BYTES);
    expect(decodePodOutputs(fits, ['big'])).toEqual({ outputs: { big: 'x'.repeat(4065) } });
    const over = encodePodOutputs({ small: '1', big: 'x'.repeat(4066) });
    expect(decodePodOutputs(over, ['small', 'big'])).toEqual({
      tooLarge: expect.stringMatching(
        /^the outputs \("small" 1 bytes, "big" 4066 bytes\) do not fit in the 4096-byte/,
      ),
    });
  });

  it('reports a damaged message (cut short, a bad entry line) instead of guessing', () => {
    const whole = encodePodOutputs({ rows: '12345' });
    expect(decodePodOutputs(whole.slice(0, -3), ['rows'])).toEqual({
      invalid: 'termination message: output "rows" is shorter than its 5 bytes',
    });
    expect(decodePodOutputs('kontroler-outputs v1\nrows five\n', ['rows'])).toEqual({
      invalid: 'termination message: bad entry "rows five"',
    });
    expect(decodePodOutputs('kontroler-outputs v9\n', ['rows'])).toEqual({
      invalid: 'termination message: unknown header "kontroler-outputs v9"',
    });
  });
});

describe('collectOutputs', () => {
  const succeeded: TaskOutcome = { status: 'succeeded', exitCode: 0, reason: 'Completed' };
  const podWith = (message: string | undefined): V1Pod => ({
    metadata: { name: 'p' },
    spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'x' }] },
    status: {
      phase: 'Succeeded',
      containerStatuses: [
        {
          name: 'main',
          image: 'x',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 0, ...(message !== undefined ? { message } : {}) } },
        },
      ],
    },
  });

  it('adds the outputs to a succeeded outcome, also from a pod trimmed for the informer cache', () => {
    const pod = trimPod(podWith(encodePodOutputs({ rows: '3' })));
    expect(collectOutputs(succeeded, pod, ['rows'])).toEqual({ ...succeeded, outputs: { rows: 3 } });
  });

  it('fails with OutputTooLarge (not retried) over the pod limit, OutputError on a damaged message', () => {
    const big = podWith(encodePodOutputs({ rows: 'x'.repeat(5000) }));
    expect(collectOutputs(succeeded, big, ['rows'])).toMatchObject({
      status: 'failed',
      exitCode: 0,
      reason: 'OutputTooLarge',
      nonRetryable: true,
      message: expect.stringContaining('"rows" 5000 bytes'),
    });
    const damaged = podWith('kontroler-outputs v1\nrows 10\nabc\n');
    expect(collectOutputs(succeeded, damaged, ['rows'])).toMatchObject({
      status: 'failed',
      reason: 'OutputError',
    });
  });

  it('leaves failed outcomes and tasks without outputs alone (a failed task keeps its own message)', () => {
    const failed: TaskOutcome = { status: 'failed', exitCode: 1, reason: 'Error', message: 'boom' };
    expect(collectOutputs(failed, podWith('boom'), ['rows'])).toBe(failed);
    expect(collectOutputs(succeeded, podWith('anything'), [])).toBe(succeeded);
  });
});

describe('the outputs wrapper, run by sh', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  /** Runs argv under the wrapper as the pod would; returns the exit code and the termination message. */
  async function wrapped(names: string[], argv: string[], files: Record<string, string> = {}) {
    const dir = await mkdtemp(join(tmpdir(), 'kontroler-wrapper-'));
    dirs.push(dir);
    const outputs = join(dir, 'outputs');
    await execFileAsync('mkdir', [outputs]);
    for (const [name, content] of Object.entries(files)) await writeFile(join(outputs, name), content);
    const message = join(dir, 'termination-log');
    await writeFile(message, '');
    const code = await new Promise<number>((resolve) => {
      execFile(
        'sh',
        ['-c', OUTPUTS_WRAPPER, 'kontroler-task', message, names.join(' '), ...argv],
        { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', KONTROLER_OUTPUTS_DIR: outputs } },
        (error) => resolve(error ? ((error as { code?: number }).code ?? -1) : 0),
      );
    });
    return { code, message: await readFile(message, 'utf8') };
  }
  const execFileAsync = (file: string, args: string[]) =>
    new Promise<void>((resolve, reject) => execFile(file, args, (e) => (e ? reject(e) : resolve())));

  it('writes exactly what encodePodOutputs encodes, for the files the task wrote', async () => {
    const script = [
      'printf \'["a.csv", "b.csv"]\\n\' > "$KONTROLER_OUTPUTS_DIR/files"',
      'echo 42 > "$KONTROLER_OUTPUTS_DIR/rows"',
      'printf "two\\nlines" > "$KONTROLER_OUTPUTS_DIR/text"',
      'echo not-declared > "$KONTROLER_OUTPUTS_DIR/other"',
    ].join('; ');
    const run = await wrapped(['files', 'rows', 'missing', 'text'], ['sh', '-c', script]);
    expect(run.code).toBe(0);
    expect(run.message).toBe(
      encodePodOutputs({ files: '["a.csv", "b.csv"]\n', rows: '42\n', text: 'two\nlines' }),
    );
    expect(decodePodOutputs(run.message, ['files', 'rows', 'missing', 'text'])).toEqual({
      outputs: { files: ['a.csv', 'b.csv'], rows: 42, text: 'two\nlines' },
    });
  });

  it('keeps the exit code and the termination message of a command that fails', async () => {
    const run = await wrapped(
      ['rows'],
      ['sh', '-c', 'echo 1 > "$KONTROLER_OUTPUTS_DIR/rows"; echo bad input > /dev/null; exit 3'],
    );
    expect(run.code).toBe(3);
    expect(run.message).toBe('');
  });

  it('writes the too-large form, measured before anything is written, at the same limit as the encoder', async () => {
    const files = { small: '1', big: 'y'.repeat(4066) };
    const run = await wrapped(['small', 'big'], ['true'], files);
    expect(run.code).toBe(0);
    expect(run.message).toBe(encodePodOutputs(files));
    expect(decodePodOutputs(run.message, ['small', 'big'])).toHaveProperty('tooLarge');
    const fits = await wrapped(['big'], ['true'], { big: 'y'.repeat(4065) });
    expect(Buffer.byteLength(fits.message)).toBe(MAX_POD_OUTPUT_BYTES);
    expect(decodePodOutputs(fits.message, ['big'])).toEqual({ outputs: { big: 'y'.repeat(4065) } });
  });

  it('passes the arguments through untouched (spaces, quotes, globs)', async () => {
    const run = await wrapped(
      ['args'],
      ['sh', '-c', 'printf "%s|" "$@" > "$KONTROLER_OUTPUTS_DIR/args"', 'x', 'a b', '"q"', '*'],
    );
    expect(decodePodOutputs(run.message, ['args'])).toEqual({ outputs: { args: 'a b|"q"|*|' } });
  });

  it('forwards SIGTERM to the command (the shell is PID 1 in the pod) and exits with its status', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kontroler-wrapper-'));
    dirs.push(dir);
    const child = execFile('sh', [
      '-c',
      OUTPUTS_WRAPPER,
      'kontroler-task',
      join(dir, 'msg'),
      'x',
      'sh',
      '-c',
      `trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.05; done`,
    ]);
    let out = '';
    await new Promise<void>((resolve) =>
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('ready')) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(7);
    expect(out).toContain('got-term');
  });
});
