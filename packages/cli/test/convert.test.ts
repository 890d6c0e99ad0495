import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DagSpec } from '@kontroler/core';
import { withTaskDefaults } from '../src/commands/convert.js';
import { cli, fixtures, repoRoot } from './helpers.js';

/** Every Kontroler fixture of the project that holds DAG documents. */
const FIXTURE_DIRS = [
  join(repoRoot, 'packages/core/test/dag/kontroler-examples'),
  join(repoRoot, 'packages/k8s-runtime/test/fixtures'),
  fixtures,
];
const files = FIXTURE_DIRS.flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => /\.(ya?ml|json|k?dsl)$/.test(f))
    .map((f) => join(dir, f)),
);

const work = mkdtempSync(join(tmpdir(), 'kontroler-convert-'));
let counter = 0;
/** Writes `text` to a new file with `extension` and returns its path. */
function temp(text: string, extension: string): string {
  const path = join(work, `doc-${counter++}.${extension}`);
  writeFileSync(path, text);
  return path;
}

async function asJson(file: string, extra: string[] = []): Promise<unknown> {
  const { code, stdout, stderr } = await cli(['convert', file, '--to', 'json', ...extra]);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout) as unknown;
}

describe('kontroler convert', () => {
  it('round-trips every DAG fixture of the project through yaml, json and (where it can say it all) dsl', async () => {
    const converted: string[] = [];
    const throughDsl: string[] = [];
    for (const file of files) {
      const first = await cli(['convert', file, '--to', 'json']);
      if (first.code !== 0) {
        // Only DagRun/DagTask-only files and the documented invalid examples are not converted.
        expect(first.stderr).toMatch(/expected exactly one DAG, found [02-9]|the DAG is invalid/);
        continue;
      }
      converted.push(file);
      const spec = JSON.parse(first.stdout) as DagSpec;

      const yaml = await cli(['convert', file, '--to', 'yaml']);
      expect(yaml.code).toBe(0);
      expect(await asJson(temp(yaml.stdout, 'yaml'))).toEqual(spec);
      expect(await asJson(temp(first.stdout, 'json'))).toEqual(spec);
      const yamlFromJson = await cli(['convert', temp(first.stdout, 'json'), '--to', 'yaml']);
      expect(yamlFromJson.stdout).toBe(yaml.stdout);

      const dsl = await cli(['convert', file, '--to', 'dsl']);
      if (dsl.code === 0) {
        throughDsl.push(file);
        // The same DAG, with the defaults the DSL spells out (backoff 3, no conditional retries) explicit.
        const { namespace: _namespace, ...withoutNamespace } = withTaskDefaults(spec);
        const back = await asJson(temp(dsl.stdout, 'dsl'), ['--name', spec.name]);
        expect(back).toEqual(withoutNamespace);
        // …and from DSL on, the round trip is exact.
        const again = await cli(['convert', temp(JSON.stringify(back), 'json'), '--to', 'dsl']);
        expect(again.stdout).toBe(dsl.stdout);
      } else {
        // Refused, never lossy: the fields the DSL has no syntax for are named.
        expect(dsl.code).toBe(1);
        expect(dsl.stdout).toBe('');
        expect(dsl.stderr).toMatch(/the DSL cannot express (this field|these fields) of DAG .*\n {2}\S+/);
      }
    }
    expect(converted.length).toBeGreaterThanOrEqual(20);
    expect(throughDsl.length).toBeGreaterThanOrEqual(15);
  });

  it('names what the DSL would lose instead of dropping it', async () => {
    const file = temp(
      [
        'name: with-pod',
        'webhook: { url: "https://example.com/hook" }',
        'tasks:',
        '  - name: a',
        '    image: alpine:3.20',
        '    script: echo a',
        '    podTemplate: { nodeSelector: { disk: ssd } }',
      ].join('\n'),
      'yaml',
    );
    const { code, stdout, stderr } = await cli(['convert', file, '--to', 'dsl']);
    expect([code, stdout]).toEqual([1, '']);
    expect(stderr).toBe(
      'error: the DSL cannot express these fields of DAG with-pod; convert to yaml, or keep them in a manifest next to spec.dsl\n' +
        '  tasks[0].podTemplate\n' +
        '  webhook\n',
    );
  });

  it('names a DSL DAG after its file unless --name is given', async () => {
    expect(await asJson(join(fixtures, 'broken.dsl').replace('broken', 'hello-dsl'))).toMatchObject({
      name: 'hello-dsl',
    });
    expect(await asJson(join(fixtures, 'hello-dsl.dsl'), ['--name', 'greetings'])).toMatchObject({
      name: 'greetings',
    });
  });

  it('refuses an unknown target format with exit 2', async () => {
    const { code, stderr } = await cli(['convert', 'hello.yaml', '--to', 'toml']);
    expect(code).toBe(2);
    expect(stderr).toContain('--to toml is not supported here; use one of: yaml, dsl, json');
  });
});
