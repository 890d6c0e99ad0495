/**
 * Writes a DagSpec as Kontroler DSL. For every DAG the DSL can express, `parseDsl(printDsl(d))`
 * deep-equals `d` (with `options.name = d.name`). What the DSL cannot say (podTemplate, taskRef,
 * webhook, workspace, suspended, timezone, descriptions, …) is left out: keep those in the manifest
 * next to `spec.dsl`.
 */
import type { DagSpec, ParameterSpec, TaskSpec } from './schema.js';
import { DEFAULT_BACKOFF_LIMIT } from './compiled.js';

const IDENT = /^[a-zA-Z_][a-zA-Z0-9_-]*$/;

/** A string literal: plain quotes when possible, else `"""…"""` (verbatim, so quotes and newlines survive). */
function str(value: string): string {
  return value.includes('"') ? `"""${value}"""` : `"${value}"`;
}

/** A task or parameter name: bare when it lexes as an identifier, quoted otherwise. */
function name(value: string): string {
  return IDENT.test(value) ? value : `"${value}"`;
}

function strings(values: readonly string[]): string {
  return `[${values.map(str).join(', ')}]`;
}

function parameter(p: ParameterSpec): string {
  const head = IDENT.test(p.name) ? p.name : `param "${p.name}"`;
  const fields: string[] = [];
  if (p.defaultValue !== undefined) fields.push(`default ${str(p.defaultValue)}`);
  if (p.defaultFromSecret !== undefined) fields.push(`defaultFromSecret ${str(p.defaultFromSecret)}`);
  return `  ${head} { ${fields.join(' ')}${fields.length > 0 ? ' ' : ''}}`;
}

function script(value: string): string {
  // Multi-line scripts read best in a """ block; it is verbatim, so the text round-trips exactly.
  return value.includes('\n') || value.includes('"') ? `"""${value}"""` : `"${value}"`;
}

function task(t: TaskSpec): string {
  const lines = [`task ${name(t.name)} {`];
  if (t.image !== undefined) lines.push(`  image ${str(t.image)}`);
  if (t.command !== undefined) lines.push(`  command ${strings(t.command)}`);
  if (t.args !== undefined) lines.push(`  args ${strings(t.args)}`);
  if (t.script !== undefined) lines.push(`  script ${script(t.script)}`);
  if (t.parameters !== undefined) lines.push(`  parameters ${strings(t.parameters)}`);
  if (t.conditional?.enabled === true) lines.push(`  retry [${t.conditional.retryCodes.join(', ')}]`);
  const limit = t.backoff?.limit ?? DEFAULT_BACKOFF_LIMIT;
  if (limit !== DEFAULT_BACKOFF_LIMIT) lines.push(`  backoff ${limit}`);
  if (t.retryPolicy !== undefined) lines.push(`  retryPolicy ${t.retryPolicy}`);
  lines.push('}');
  return lines.join('\n');
}

/** Formats `dag` as DSL text: schedule, parameters, graph (one edge per line), then tasks in order. */
export function printDsl(dag: DagSpec): string {
  const blocks: string[] = [];
  if (dag.schedule !== undefined) blocks.push(`schedule ${str(dag.schedule)}`);
  if (dag.parameters !== undefined) {
    blocks.push(['parameters {', ...dag.parameters.map(parameter), '}'].join('\n'));
  }
  // One edge per runAfter entry, grouped by child, so parsing rebuilds each runAfter in its order.
  const edges = dag.tasks.flatMap((t) => (t.runAfter ?? []).map((p) => `  ${name(p)} -> ${name(t.name)}`));
  if (edges.length > 0) blocks.push(['graph {', ...edges, '}'].join('\n'));
  blocks.push(...dag.tasks.map(task));
  return `${blocks.join('\n\n')}\n`;
}
