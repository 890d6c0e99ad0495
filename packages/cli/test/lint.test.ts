import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, repoRoot } from './helpers.js';

describe('kontroler lint', () => {
  it('places every error of a manifest at file:line:col with task.field, past a foreign document', async () => {
    const { code, stdout, stderr } = await cli(['lint', 'broken.yaml']);
    expect(code).toBe(1);
    expect(stdout.trim().split('\n')).toEqual([
      'broken.yaml:14:3  tasks  no task can start: every task has runAfter',
      // One issue per cycle, naming its path, at the edge that closes it.
      'broken.yaml:18:18  a.runAfter[0]  cycle: a → b → c → a',
      'broken.yaml:30:18  d.runAfter[0]  task "d" runs after "nowhere", which is not a task',
      'broken.yaml:31:7  d.colour  task "d" has unknown field "colour"',
    ]);
    expect(stderr).toMatch(/^1 file checked: 4 errors, 0 warnings$/m);
  });

  it('places DSL errors at their line and column', async () => {
    const { code, stdout } = await cli(['lint', 'broken.dsl']);
    expect(code).toBe(1);
    expect(stdout).toBe(
      'broken.dsl:5:58  b.parameters[0]  task "b" uses parameter "missing", which is not declared\n',
    );
  });

  it('exits 0 on a valid file and says nothing on stdout', async () => {
    const { code, stdout, stderr } = await cli(['lint', 'hello.yaml']);
    expect([code, stdout]).toEqual([0, '']);
    expect(stderr).toContain('1 file checked: 0 errors, 0 warnings');
  });

  it('reads a directory of Kontroler documentation examples and finds exactly the known mistakes', async () => {
    const dir = join(repoRoot, 'packages/core/test/dag/kontroler-examples');
    const { code, stdout } = await cli(['lint', '-o', 'json', dir], { cwd: dir });
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as {
      files: { file: string; documents: number; errors: { code: string; line?: number; where: string }[] }[];
      errorCount: number;
    };
    expect(report.files.length).toBeGreaterThanOrEqual(26);
    const failing = Object.fromEntries(
      report.files.filter((f) => f.errors.length > 0).map((f) => [f.file, f.errors.map((e) => e.code)]),
    );
    // The same list core's examples test keeps, with the reasons there.
    expect(failing).toEqual({
      'blog-custom-pod.yaml': ['NO_COMMAND'],
      'blog-resource-aware.yaml': ['UNKNOWN_FIELD'],
      'blog-workspace.yaml': ['MISSING_IMAGE', 'MISSING_IMAGE'],
      'readme-dsl-advanced-task.dsl': ['UNDECLARED_PARAMETER', 'UNDECLARED_PARAMETER'],
      'site-workspace.yaml': ['MISSING_IMAGE', 'MISSING_IMAGE'],
    });
    for (const file of report.files) for (const e of file.errors) expect(e.line).toBeGreaterThan(0);
  });

  it('refuses a path that does not exist with exit 2', async () => {
    const { code, stderr } = await cli(['lint', 'nope.yaml']);
    expect(code).toBe(2);
    expect(stderr).toBe('error: nope.yaml: no such file or directory\n');
  });

  it('refuses an output format it does not have with exit 2', async () => {
    const { code, stderr } = await cli(['lint', '-o', 'xml', 'hello.yaml']);
    expect(code).toBe(2);
    expect(stderr).toContain('-o xml is not supported here; use one of: text, json');
  });
});
