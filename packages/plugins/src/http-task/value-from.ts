/**
 * Outputs of an `http` task (docs/flow/outputs.md): each declared output's `valueFrom` is a JSON Pointer
 * (RFC 6901) into the response seen as one JSON document,
 *
 * ```json
 * {"status": 200, "headers": {"content-type": "application/json", "x-rows": "3"}, "body": {"rows": [1, 2, 3]}}
 * ```
 *
 * so `/status`, `/headers/x-rows` and `/body/rows/0` are outputs. Header names are lower case; a header sent
 * several times is a list. `body` is the parsed JSON when the response's content type is JSON
 * (`application/json`, `…+json`) and parses, else the body text. Pure: no I/O.
 */
import { jsonPointerProblem, pointerTokens } from '@kontroler/core';
import type { IncomingHttpHeaders } from 'node:http';

/** The document `valueFrom` pointers read. */
export interface HttpResultDocument {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: unknown;
}

/** The first token of every pointer an http task accepts (the empty pointer is the whole document). */
const ROOTS: ReadonlySet<string> = new Set(['status', 'headers', 'body']);

/** A declared output, as `TaskSpec.outputs` holds it. */
export interface DeclaredOutput {
  readonly name: string;
  readonly valueFrom?: string | undefined;
}

/** Why an http task's output cannot be read with its `valueFrom`, or null when it can. */
export function valueFromProblem(output: DeclaredOutput): string | null {
  if (output.valueFrom === undefined) return null;
  const syntax = jsonPointerProblem(output.valueFrom);
  const root = pointerTokens(output.valueFrom)[0];
  const problem =
    syntax ??
    (root === undefined || ROOTS.has(root) ? null : 'an http task reads "/status", "/headers/…" or "/body…"');
  return problem === null
    ? null
    : `output "${output.name}": valueFrom ${JSON.stringify(output.valueFrom)} is not usable: ${problem}`;
}

/** Whether any output reads the body (so the whole body must be kept, not only its logged excerpt). */
export function readsBody(outputs: readonly DeclaredOutput[]): boolean {
  return outputs.some(
    (o) => o.valueFrom !== undefined && (o.valueFrom === '' || o.valueFrom.startsWith('/body')),
  );
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export function httpResultDocument(
  status: number,
  headers: IncomingHttpHeaders,
  text: string,
): HttpResultDocument {
  const clean: Record<string, string | readonly string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) clean[name.toLowerCase()] = value;
  }
  let body: unknown = text;
  const type = headers['content-type'];
  if (typeof type === 'string' && JSON_TYPE.test(type)) {
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      // A body that says JSON and is not stays text: pointers into it find nothing, which the log says.
    }
  }
  return { status, headers: clean, body };
}

/** The value `pointer` names in `doc`; `undefined` when it names nothing. */
export function readPointer(doc: unknown, pointer: string): unknown {
  let value: unknown = doc;
  for (const token of pointerTokens(pointer)) {
    if (Array.isArray(value)) {
      if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
      value = value[Number(token)];
    } else if (value !== null && typeof value === 'object') {
      value = Object.hasOwn(value, token) ? (value as Record<string, unknown>)[token] : undefined;
    } else return undefined;
    if (value === undefined) return undefined;
  }
  return value;
}

/**
 * The outputs `declared` read from `doc`, and a note for each declared output that got no value (no
 * `valueFrom`, or a pointer that names nothing): such an output is absent, as a file a task did not write.
 */
export function httpOutputs(
  declared: readonly DeclaredOutput[],
  doc: HttpResultDocument,
): { readonly outputs: Record<string, unknown>; readonly notes: string[] } {
  const outputs: Record<string, unknown> = {};
  const notes: string[] = [];
  for (const output of declared) {
    if (output.valueFrom === undefined) {
      notes.push(`output "${output.name}" has no valueFrom; an http task gives it no value`);
      continue;
    }
    const value = readPointer(doc, output.valueFrom);
    if (value === undefined) {
      notes.push(
        `output "${output.name}": ${JSON.stringify(output.valueFrom)} names nothing in the response`,
      );
    } else outputs[output.name] = value;
  }
  return { outputs, notes };
}
