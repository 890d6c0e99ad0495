import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SHAPE_VALIDATOR_FILE, shapeValidatorSource } from '../../scripts/shape-validator-source.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('the ahead-of-time shape validator', () => {
  it('is what dagSchema generates today (run `npm run generate -w @kontroler/core` when this fails)', () => {
    expect(readFileSync(join(root, SHAPE_VALIDATOR_FILE), 'utf8')).toBe(shapeValidatorSource());
  });

  it('compiles nothing at run time and imports nothing', () => {
    const source = readFileSync(join(root, SHAPE_VALIDATOR_FILE), 'utf8');
    expect(source).not.toMatch(/new Function|\beval\(|\brequire\(|^import /m);
  });

  it('answers like ajv compiling dagSchema at run time, errors included', async () => {
    const { Ajv } = await import('ajv');
    const { dagSchema } = await import('../../src/index.js');
    const { validate } = await import('../../src/dag/shape-validator.generated.js');
    const generated = validate as unknown as ((doc: unknown) => boolean) & { errors?: unknown };
    const compiled = new Ajv({ allErrors: true, useDefaults: false, strict: false }).compile(dagSchema);
    const docs: unknown[] = [
      { name: 'etl', tasks: [{ name: 'a', image: 'alpine', command: ['true'] }] },
      { name: '', tasks: [] },
      {
        name: '🚀',
        tasks: [{ name: 'a', image: 'alpine', script: 'x', runAfter: 'b', backoff: { limit: -1 } }],
      },
      {
        name: 'x',
        tasks: [{ name: 'a', image: 3, conditional: { enabled: 'yes', retryCodes: [300] } }],
        extra: 1,
      },
      { tasks: null },
      'not a DAG',
      // Fields checked by functions of their own (scripts/shape-validator-source.ts), in tasks and onExit.
      {
        name: 'nested',
        tasks: [
          {
            name: 'a',
            image: 'alpine',
            command: ['true'],
            retryPolicy: 'Sometimes',
            triggerRule: 'most',
            taskRef: { name: '', version: 0 },
            podTemplate: { volumes: [1], resources: { limits: { cpu: true } }, colour: 'red' },
            env: [{ name: 'A' }, 'B'],
            outputs: [{ name: '1x', valueFrom: 3 }],
            forEach: { items: 'x', parallelism: 0 },
            approval: { timeoutSeconds: 0, approvers: [], onTimeout: 'maybe' },
            with: 'settings',
            backoff: {},
          },
          { name: 'b', command: 'true', runAfter: [1], conditional: { enabled: 1 }, when: '' },
        ],
        onExit: [
          { name: 'c', podTemplate: { nodeSelector: { zone: 1 } }, env: {}, triggerRule: 3 },
          'not a task',
        ],
      },
      {
        name: 'valid-nested',
        tasks: [
          {
            name: 'a',
            image: 'alpine',
            script: 'echo',
            retryPolicy: 'OnError',
            triggerRule: 'all_done',
            podTemplate: { resources: { limits: { cpu: '1', memory: 2 } } },
            env: [{ name: 'A', value: 'x' }],
            outputs: [{ name: 'o' }],
            forEach: { items: [1, 2], parallelism: 2 },
            with: { any: ['thing'] },
          },
        ],
        onExit: [{ name: 'e', approval: { timeoutSeconds: 5, onTimeout: 'approve' } }],
      },
    ];
    for (const doc of docs) {
      expect(generated(doc)).toBe(compiled(doc));
      expect(generated.errors ?? null).toEqual(compiled.errors ?? null);
    }
  });
});
