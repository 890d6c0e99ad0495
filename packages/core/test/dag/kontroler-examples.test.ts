/**
 * Every DAG, DagRun and DSL example in Kontroler's own documentation (README, examples/, kontroler.dev),
 * plus the controller's config/samples that show DagTask, taskRef and a DSL with a multi-line script,
 * copied verbatim into kontroler-examples/ with its source noted. Each must load and validate, except
 * the few the docs themselves get wrong, whose expected errors are listed here with the reason.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadManifest, parseDsl, validateDag, type DagIssueCode } from '../../src/dag/index.js';

const dir = new URL('./kontroler-examples/', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, dir), 'utf8');

/** Files whose DAG does not validate, and why. Everything else must be valid. */
const EXPECTED_ERRORS: Record<string, DagIssueCode[]> = {
  // "Shortened" examples whose tasks have no image; Kontroler's ValidateDAG rejects them as well.
  'site-workspace.yaml': ['MISSING_IMAGE', 'MISSING_IMAGE'],
  'blog-workspace.yaml': ['MISSING_IMAGE', 'MISSING_IMAGE'],
  // No command and no script; Kontroler rejects it as well.
  'blog-custom-pod.yaml': ['NO_COMMAND'],
  // Task-level `resources` is not a TaskSpec field (Kontroler's API server prunes it without a word).
  'blog-resource-aware.yaml': ['UNKNOWN_FIELD'],
};

/** DSL fragments that do not parse on their own, and why. */
const EXPECTED_PARSE_ERRORS: Record<string, DagIssueCode[]> = {
  // A fragment listing every task field; its parameters are not declared anywhere.
  'readme-dsl-advanced-task.dsl': ['UNDECLARED_PARAMETER', 'UNDECLARED_PARAMETER'],
};

const files = readdirSync(dir).sort();

describe('Kontroler documentation examples', () => {
  it('covers the README, examples/, config/samples and kontroler.dev examples', () => {
    expect(files.length).toBeGreaterThanOrEqual(26);
    for (const file of files) expect(read(file)).toMatch(/^(#|\/\/) Source: GreedyKomodoDragon\//);
  });

  it.each(files.filter((f) => f.endsWith('.yaml')))('%s loads and validates as documented', (file) => {
    const loaded = loadManifest(read(file));
    expect(loaded.ok ? [] : loaded.errors).toEqual([]);
    if (!loaded.ok) return;
    expect(loaded.warnings).toEqual([]);
    expect(loaded.documents.length).toBeGreaterThanOrEqual(1);
    const errors = loaded.documents.flatMap((doc) => (doc.kind === 'DAG' ? validateDag(doc.dag).errors : []));
    expect(errors.map((e) => e.code)).toEqual(EXPECTED_ERRORS[file] ?? []);
  });

  it('reads a DagTask under its resource name (what taskRef points at)', () => {
    const loaded = loadManifest(read('samples-dagtask.yaml'));
    expect(loaded.ok && loaded.documents[0]).toMatchObject({
      kind: 'DagTask',
      task: { name: 'dagtask-sample', image: 'alpine:latest', backoff: { limit: 5 } },
    });
    const multi = loadManifest(read('samples-realistic-dag.yaml'));
    expect(multi.ok && multi.documents.map((d) => d.kind)).toEqual(['DAG', 'DagRun']);
  });

  it.each(files.filter((f) => f.endsWith('.dsl')))('%s parses and validates as documented', (file) => {
    const parsed = parseDsl(read(file), { name: 'readme-dsl' });
    if (!parsed.ok) {
      expect(parsed.errors.map((e) => e.code)).toEqual(EXPECTED_PARSE_ERRORS[file]);
      return;
    }
    expect(EXPECTED_PARSE_ERRORS[file]).toBeUndefined();
    expect(validateDag(parsed.dag).errors.map((e) => e.code)).toEqual(EXPECTED_ERRORS[file] ?? []);
  });

  it('reads the DSL example as its "traditional YAML equivalent" says', () => {
    const dsl = loadManifest(read('readme-dsl-example.yaml'));
    const yaml = loadManifest(read('readme-traditional-equivalent.yaml'));
    if (!dsl.ok || !yaml.ok) throw new Error('both load');
    const a = dsl.documents[0];
    const b = yaml.documents[0];
    if (a?.kind !== 'DAG' || b?.kind !== 'DAG') throw new Error('both are DAGs');
    expect(a.dag.tasks).toEqual(b.dag.tasks);
    expect(a.dag.schedule).toBe(b.dag.schedule);
  });

  it('keeps the DagRun parameters of the README', () => {
    const loaded = loadManifest(read('readme-dagrun.yaml'));
    expect(loaded.ok && loaded.documents[0]).toEqual({
      kind: 'DagRun',
      run: {
        name: 'dagrun-sample3',
        dagName: 'dag-schedule',
        parameters: [
          { name: 'first', fromSecret: 'secret-name-new' },
          { name: 'second', value: 'value_new' },
        ],
      },
      metadata: {
        name: 'dagrun-sample3',
        labels: { 'app.kubernetes.io/name': 'dagrun', 'app.kubernetes.io/instance': 'kontroler-DagRun' },
      },
    });
  });
});
