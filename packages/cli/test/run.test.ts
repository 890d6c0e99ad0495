import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ESCAPE, cli } from './helpers.js';

describe('kontroler run', () => {
  it('runs a DAG here, one plain line per change and each log line prefixed with its task', async () => {
    const { code, stdout } = await cli(['run', 'hello.yaml', '--param', 'greeting=howdy']);
    expect(code).toBe(0);
    expect(stdout).not.toMatch(ESCAPE);
    const lines = stdout.trim().split('\n');
    expect(lines).toContain('say | howdy from say');
    expect(lines).toContain('join | joined');
    // Each task says running once, then how it ended with its duration.
    for (const task of ['say', 'left', 'right', 'join']) {
      expect(lines.filter((l) => l === `${task}: running`)).toHaveLength(1);
      expect(
        lines.filter((l) => /^\w+: succeeded \(after \d+\.\ds\)$/.test(l) && l.startsWith(`${task}:`)),
      ).toHaveLength(1);
    }
    // Order follows the DAG: join starts after both of its parents ended.
    const at = (line: string) => lines.findIndex((l) => l.startsWith(line));
    expect(at('join: running')).toBeGreaterThan(at('left: succeeded'));
    expect(at('join: running')).toBeGreaterThan(at('right: succeeded'));
    expect(lines.at(-1)).toMatch(/^run [0-9a-f-]+ succeeded in \d+\.\ds$/);
  });

  it('exits 1 for a failed run and names the failed task and its exit code', async () => {
    const { code, stdout } = await cli(['run', 'failing.yaml']);
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n');
    expect(lines).toContain('compute | about to fail');
    expect(lines.find((l) => l.startsWith('compute: failed'))).toMatch(
      /^compute: failed \(after \d+\.\ds, Error, exit 3\)$/,
    );
    expect(lines).toContain('publish: skipped (UpstreamFailed)');
    expect(lines.at(-1)).toMatch(/^run [0-9a-f-]+ failed in \d+\.\ds: failed task compute \(exit code 3\)$/);
  });

  it('redraws the task tree in place on a terminal', async () => {
    const { code, stdout } = await cli(['run', 'hello-dsl.dsl'], { tty: true });
    expect(code).toBe(0);
    expect(stdout).toMatch(ESCAPE);
    // The final tree: every task succeeded, indented by its level.
    expect(stdout).toMatch(/✔ say {2,}succeeded/);
    expect(stdout).toMatch(/ {4}✔ join {2,}succeeded/);
    expect(stdout).toContain('left | left');
  });

  it('cancels the run on Ctrl-C and exits 130', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kontroler-run-'));
    const file = join(dir, 'slow.yaml');
    writeFileSync(
      file,
      'name: slow\ntasks:\n  - name: wait\n    image: alpine\n    script: echo started; sleep 30\n',
    );
    const controller = new AbortController();
    // Ctrl-C once the task has printed its first line, so the cancel meets a running process.
    const onStdout = (text: string) => text.includes('wait | started') && controller.abort();
    const { code, stdout } = await cli(['run', file], { signal: controller.signal, onStdout });
    expect(code).toBe(130);
    expect(stdout).toContain('wait: canceled');
    expect(stdout).toMatch(/^run [0-9a-f-]+ canceled in \d+\.\ds$/m);
  });
});
