/**
 * Generates the source of the DAG shape validator: ajv compiles `dagSchema` ahead of time (standalone code),
 * so neither Node nor the browser compiles a validator at run time. Compiling means `new Function`, which a
 * strict Content-Security-Policy (no `unsafe-eval`) forbids in the console. Node-only: used by the generator
 * script and by the test that fails when the committed file is stale.
 */
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { dagSchema } from '../src/dag/schema.js';

/** Where the generated validator lives, relative to the package root. */
export const SHAPE_VALIDATOR_FILE = 'src/dag/shape-validator.generated.ts';

// ajv's one run-time helper, inlined so that the generated module imports nothing (CommonJS interop differs
// between Node and the console's bundler): the length of a string in Unicode code points.
const UCS2LENGTH = `function ucs2length(str) {
  const len = str.length;
  let length = 0;
  let pos = 0;
  let value;
  while (pos < len) {
    length++;
    value = str.charCodeAt(pos++);
    if (value >= 0xd800 && value <= 0xdbff && pos < len) {
      value = str.charCodeAt(pos);
      if ((value & 0xfc00) === 0xdc00) pos++;
    }
  }
  return length;
}`;

export function shapeValidatorSource(): string {
  // The same options as the validator used to be compiled with at run time.
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: false,
    strict: false,
    code: { source: true, esm: true },
  });
  const validate = ajv.compile(dagSchema);
  // ajv/dist/standalone is CommonJS: its function is `default` under Node's ESM interop.
  const generate = (standaloneCode as unknown as { default: (ajv: Ajv, validate: unknown) => string })
    .default;
  const code = generate(ajv, validate).replaceAll(
    'require("ajv/dist/runtime/ucs2length").default',
    'ucs2length',
  );
  if (/\brequire\(/.test(code)) throw new Error('the generated validator still requires a run-time module');
  return [
    '/* eslint-disable */',
    '// @ts-nocheck',
    '// Generated from dagSchema by `npm run generate -w @kontroler/core`: do not edit.',
    UCS2LENGTH,
    code.replace(/^"use strict";/, ''),
    '',
  ].join('\n');
}
