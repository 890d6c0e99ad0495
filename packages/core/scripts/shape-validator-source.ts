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

/** The lists of tasks whose validators are split into functions, by JSON Pointer to the list in the document. */
const TASK_LISTS = { tasks: '#/properties/tasks', onExit: '#/properties/onExit' } as const;
type TaskList = keyof typeof TASK_LISTS;

type Schema = Record<string, unknown>;

interface ObjectSchema extends Schema {
  properties: Record<string, Schema>;
}

interface SchemaNode extends ObjectSchema {
  $defs?: Record<string, unknown>;
}

/**
 * A part of the document that ajv checks in a function of its own: the `$defs` entry it moves to, where it
 * was in `dagSchema` (its errors' schema paths are rewritten back there), and how its parent's code calls it
 * (the end of the `instancePath` expression ajv passes: a property, or an array index).
 */
interface Part {
  readonly def: string;
  readonly pointer: string;
  readonly call: string;
  /** The property names of the part's schema when it is an object schema. */
  readonly properties: readonly string[];
  readonly parts: readonly Part[];
}

/** A task field checked inline: a scalar without alternatives, or a list of strings (the common fields). */
function isPlain(schema: Schema): boolean {
  if (schema.anyOf !== undefined) return false;
  if (schema.type === 'array') return (schema.items as Schema | undefined)?.type === 'string';
  return (
    schema.type === 'string' ||
    schema.type === 'integer' ||
    schema.type === 'number' ||
    schema.type === 'boolean'
  );
}

/**
 * `dagSchema` split into functions small enough for V8 to optimise early. ajv (with `inlineRefs: false`)
 * writes a function per `$ref`: each task list, its task schema, and each task field that is an object, a
 * list of objects or a union moves to `$defs` and is referenced. Inlined, the whole document was one
 * function over V8's 60 KiB limit for optimising (every task of every document was checked by the baseline
 * tiers); and even a function per task schema (24 KiB of bytecode, most of it for fields few tasks have)
 * waited two validations of 10,000 tasks to be optimised, while the loop over the tasks ran unoptimised in
 * the document's function until the third.
 */
function splitSchema(): { schema: SchemaNode; parts: Part[] } {
  const schema = JSON.parse(JSON.stringify(dagSchema)) as SchemaNode;
  const defs: Record<string, unknown> = {};
  schema.$defs = defs;
  const parts: Part[] = [];
  for (const list of Object.keys(TASK_LISTS) as TaskList[]) {
    const listSchema = schema.properties[list] as Schema & { items: Schema };
    const task = listSchema.items as ObjectSchema;
    const fields: Part[] = [];
    for (const [field, fieldSchema] of Object.entries(task.properties)) {
      if (isPlain(fieldSchema)) continue;
      const def = `${list}.${field}`;
      defs[def] = fieldSchema;
      task.properties[field] = { $ref: `#/$defs/${def}` };
      fields.push({
        def,
        pointer: `${TASK_LISTS[list]}/items/properties/${field}`,
        call: `"/${field}"`,
        properties: propertyNames(fieldSchema),
        parts: [],
      });
    }
    defs[`${list}.items`] = task;
    listSchema.items = { $ref: `#/$defs/${list}.items` };
    const items: Part = {
      def: `${list}.items`,
      pointer: `${TASK_LISTS[list]}/items`,
      call: '"/" \\+ i\\d+',
      properties: propertyNames(task),
      parts: fields,
    };
    defs[list] = listSchema;
    schema.properties[list] = { $ref: `#/$defs/${list}` };
    parts.push({ def: list, pointer: TASK_LISTS[list], call: `"/${list}"`, properties: [], parts: [items] });
  }
  return { schema, parts };
}

function propertyNames(schema: Schema): string[] {
  const properties = schema.properties;
  return typeof properties === 'object' && properties !== null ? Object.keys(properties) : [];
}

/**
 * ajv checks `additionalProperties` of an object schema with more than 8 properties by calling
 * `hasOwnProperty` on the schema's `properties` for each key of the value: a call per field of each of
 * 10,000 tasks, which V8 does not optimise away. A chain of comparisons with the property names answers the
 * same (the schema's `properties` is plain JSON) and compiles to pointer comparisons of interned strings.
 */
function inlineKeyChecks(body: string, names: readonly string[]): string {
  const calls = [...body.matchAll(/func2\.call\((schema\d+)\.properties, (key\d+)\)/g)];
  if (calls.length === 0) return body;
  if (calls.length > 1 || names.length === 0) throw new Error('unexpected additionalProperties check');
  const [call, , key] = calls[0] as RegExpMatchArray;
  return body.replace(call, `(${names.map((n) => `${key} === ${JSON.stringify(n)}`).join(' || ')})`);
}

/** The function declarations of a standalone module: name → [start, end) of its text. */
function functionsOf(code: string): Map<string, [number, number]> {
  const starts = [...code.matchAll(/function (validate\d+)\(/g)];
  // A function ends where the next top-level declaration of the standalone module begins.
  const next = /function validate\d+\(|const (?:schema|func|pattern)\d+ = |export /g;
  const found = new Map<string, [number, number]>();
  for (const match of starts) {
    next.lastIndex = match.index + 1;
    found.set(match[1] as string, [match.index, next.exec(code)?.index ?? code.length]);
  }
  return found;
}

/**
 * Errors from a referenced schema carry schema paths relative to it; inlined, they were relative to the
 * document. Rewrites them, part by part, in the function that checks each (found by its call in its
 * parent's function), so that errors stay exactly those of ajv compiling `dagSchema` as it is (a test
 * compares them).
 */
function documentPaths(code: string, parent: string, parts: readonly Part[]): string {
  let text = code;
  for (const part of parts) {
    const functions = functionsOf(text);
    const [from, to] = functions.get(parent) ?? [0, 0];
    const call = new RegExp(`(validate\\d+)\\([^{]*\\{instancePath:instancePath\\+${part.call},`);
    const name = call.exec(text.slice(from, to))?.[1];
    if (name === undefined) throw new Error(`no validator function found for ${part.def}`);
    const [start, end] = functions.get(name) as [number, number];
    const body = inlineKeyChecks(
      text.slice(start, end).replaceAll('schemaPath:"#/', `schemaPath:"${part.pointer}/`),
      part.properties,
    );
    text = documentPaths(text.slice(0, start) + body + text.slice(end), name, part.parts);
  }
  return text;
}

/**
 * ajv passes each validator function an options object (`instancePath`, `parentData`, `parentDataProperty`,
 * `rootData`) of which, without `useDefaults`, `coerceTypes` or `removeAdditional`, only `instancePath` is
 * read: the path becomes the one argument. That is an object fewer per task, and V8's optimised code for the
 * list of tasks no longer deoptimises when `parentDataProperty`, a number for a list item, is a field name
 * in the next call (the shared object shape changed its field's representation, one deoptimisation per
 * validation until the third).
 */
function pathArgumentOnly(code: string): string {
  const text = code
    .replace(
      /function (validate\d+)\(data, \{instancePath="", parentData, parentDataProperty, rootData=data\}=\{\}\)/g,
      'function $1(data, instancePath="")',
    )
    .replace(
      /\{instancePath:(instancePath\+"[^"]*"(?: \+ i\d+)?),parentData:data\d*,parentDataProperty:(?:i\d+|"[^"]*"),rootData\}/g,
      '$1',
    );
  if (/parentData|rootData/.test(text))
    throw new Error('the generated validator reads more than instancePath');
  return text;
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
  const { schema, parts } = splitSchema();
  const validate = ajv.compile(schema);
  // ajv/dist/standalone is CommonJS: its function is `default` under Node's ESM interop.
  const generate = (standaloneCode as unknown as { default: (ajv: Ajv, validate: unknown) => string })
    .default;
  let code = generate(ajv, validate).replaceAll(
    'require("ajv/dist/runtime/ucs2length").default',
    'ucs2length',
  );
  const root = /export const validate = (validate\d+);/.exec(code)?.[1];
  if (root === undefined) throw new Error('no exported validator in the generated code');
  code = documentPaths(code, root, parts);
  const [start, end] = functionsOf(code).get(root) as [number, number];
  code =
    code.slice(0, start) + inlineKeyChecks(code.slice(start, end), propertyNames(schema)) + code.slice(end);
  code = pathArgumentOnly(code);
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
