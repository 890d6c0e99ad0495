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
    ];
    for (const doc of docs) {
      expect(generated(doc)).toBe(compiled(doc));
      expect(generated.errors ?? null).toEqual(compiled.errors ?? null);
    }
  });
});
