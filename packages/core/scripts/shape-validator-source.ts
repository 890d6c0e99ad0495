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

/** The lists of tasks whose items get a validator function of their own, by JSON Pointer to the list. */
const TASK_LISTS = { tasks: '#/properties/tasks/items', onExit: '#/properties/onExit/items' } as const;

interface SchemaNode {
  $defs?: Record<string, unknown>;
  properties: Record<keyof typeof TASK_LISTS, { items: unknown }>;
}

/**
 * `dagSchema` with the task schema of `tasks` and of `onExit` moved to `$defs` and referenced, so that ajv
 * (with `inlineRefs: false`) writes each as a function of its own. Inlined, the whole document was one
 * function too large for V8's optimising compiler (over its 60 KiB bytecode limit): every task of every
 * document was checked by the baseline tiers, about a quarter of the time to validate 10,000 tasks.
 */
function splitSchema(): SchemaNode {
  const schema = JSON.parse(JSON.stringify(dagSchema)) as SchemaNode;
  schema.$defs = {};
  for (const list of Object.keys(TASK_LISTS) as (keyof typeof TASK_LISTS)[]) {
    schema.$defs[list] = schema.properties[list].items;
    schema.properties[list].items = { $ref: `#/$defs/${list}` };
  }
  return schema;
}

/**
 * Errors from a referenced schema carry schema paths relative to it; inlined, they were relative to the
 * document. Rewrites them in the function that checks `list`'s items, so that errors stay exactly those of
 * ajv compiling `dagSchema` as it is (a test compares them).
 */
function documentPaths(code: string, list: keyof typeof TASK_LISTS): string {
  const call = new RegExp(
    `\\((validate\\d+)\\(data\\d+\\[i\\d+\\], \\{instancePath:instancePath\\+"/${list}/"`,
  );
  const name = call.exec(code)?.[1];
  if (name === undefined) throw new Error(`no validator function found for the items of ${list}`);
  const start = code.indexOf(`function ${name}(`);
  // The function ends where the next top-level declaration of the standalone module begins.
  const next = /function validate\d+\(|const (?:schema|func|pattern)\d+ = /g;
  next.lastIndex = start + 1;
  const end = next.exec(code)?.index ?? code.length;
  const body = code.slice(start, end).replaceAll('schemaPath:"#/', `schemaPath:"${TASK_LISTS[list]}/`);
  return code.slice(0, start) + body + code.slice(end);
}

export function shapeValidatorSource(): string {
  // The same options as the validator used to be compiled with at run time, but for `inlineRefs`.
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: false,
    strict: false,
    inlineRefs: false,
    code: { source: true, esm: true },
  });
  const validate = ajv.compile(splitSchema());
  // ajv/dist/standalone is CommonJS: its function is `default` under Node's ESM interop.
  const generate = (standaloneCode as unknown as { default: (ajv: Ajv, validate: unknown) => string })
    .default;
  let code = generate(ajv, validate).replaceAll(
    'require("ajv/dist/runtime/ucs2length").default',
    'ucs2length',
  );
  for (const list of Object.keys(TASK_LISTS) as (keyof typeof TASK_LISTS)[]) code = documentPaths(code, list);
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
