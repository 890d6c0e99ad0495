/**
 * Writes a DagSpec as Kontroler DSL. For every DAG the DSL can express, `parseDsl(printDsl(d))`
 * deep-equals `d` (with `options.name = d.name`). What the DSL cannot say (podTemplate, taskRef,
 * webhook, workspace, suspended, timezone, descriptions, …) is left out: keep those in the manifest
 * next to `spec.dsl`.
 */
import type {
  ApprovalSpec,
  DagSpec,
  EnvVarSpec,
  ForEachSpec,
  OutputSpec,
  ParameterSpec,
  TaskSpec,
} from './schema.js';
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

function output(o: OutputSpec): string {
  const fields: string[] = [];
  if (o.valueFrom !== undefined) fields.push(`valueFrom ${str(o.valueFrom)}`);
  if (o.description !== undefined) fields.push(`description ${str(o.description)}`);
  return fields.length === 0 ? str(o.name) : `${str(o.name)} { ${fields.join(' ')} }`;
}

function env(vars: readonly EnvVarSpec[]): string {
  return `{${vars.map((v) => ` ${name(v.name)} ${str(v.value)}`).join('')} }`;
}

/** An item the DSL list writes as itself: a string without quotes, a safe integer ≥ 0, a boolean or null. */
function plainItem(item: unknown): boolean {
  if (typeof item === 'string') return !item.includes('"');
  if (typeof item === 'number') return Number.isSafeInteger(item) && item >= 0 && !Object.is(item, -0);
  return item === null || typeof item === 'boolean';
}

function forEach(f: ForEachSpec): string {
  const fields: string[] = [];
  if (f.items !== undefined) {
    // Other JSON values (objects, negative or fractional numbers) go as one JSON list in a """ string:
    // JSON escapes every quote inside a string, so it never holds the closing """.
    fields.push(
      f.items.every(plainItem)
        ? `items [${f.items.map((item) => (typeof item === 'string' ? str(item) : String(item))).join(', ')}]`
        : `items """${JSON.stringify(f.items)}"""`,
    );
  }
  if (f.from !== undefined) fields.push(`from ${str(f.from)}`);
  if (f.parallelism !== undefined) fields.push(`parallelism ${f.parallelism}`);
  return `{ ${fields.join(' ')}${fields.length > 0 ? ' ' : ''}}`;
}

function approval(a: ApprovalSpec): string {
  const fields = [`timeoutSeconds ${a.timeoutSeconds}`, `onTimeout ${a.onTimeout}`];
  if (a.approvers !== undefined) fields.push(`approvers [${a.approvers.join(', ')}]`);
  if (a.message !== undefined) fields.push(`message ${str(a.message)}`);
  return `{ ${fields.join(' ')} }`;
}

function task(t: TaskSpec, indent = ''): string {
  return taskLines(t)
    .map((line) => indent + line)
    .join('\n');
}

function taskLines(t: TaskSpec): string[] {
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
  if (t.outputs !== undefined) lines.push(`  outputs [${t.outputs.map(output).join(', ')}]`);
  if (t.env !== undefined) lines.push(`  env ${env(t.env)}`);
  if (t.when !== undefined) lines.push(`  when ${str(t.when)}`);
  if (t.triggerRule !== undefined) lines.push(`  triggerRule ${t.triggerRule}`);
  if (t.forEach !== undefined) lines.push(`  forEach ${forEach(t.forEach)}`);
  if (t.approval !== undefined) lines.push(`  approval ${approval(t.approval)}`);
  lines.push('}');
  return lines;
}

/** `a -> b` lines, one per runAfter entry, grouped by child, so parsing rebuilds each runAfter in its order. */
function edges(tasks: readonly TaskSpec[], indent: string): string[] {
  return tasks.flatMap((t) => (t.runAfter ?? []).map((p) => `${indent}${name(p)} -> ${name(t.name)}`));
}

/**
 * Formats `dag` as DSL text: schedule, parameters, graph (one edge per line), tasks in order, then
 * activeDeadlineSeconds, maxActiveRuns, priority, onExitFailsRun and the onExit block (its own graph and tasks).
 */
export function printDsl(dag: DagSpec): string {
  const blocks: string[] = [];
  if (dag.schedule !== undefined) blocks.push(`schedule ${str(dag.schedule)}`);
  if (dag.parameters !== undefined) {
    blocks.push(['parameters {', ...dag.parameters.map(parameter), '}'].join('\n'));
  }
  const graph = edges(dag.tasks, '  ');
  if (graph.length > 0) blocks.push(['graph {', ...graph, '}'].join('\n'));
  blocks.push(...dag.tasks.map((t) => task(t)));
  if (dag.activeDeadlineSeconds !== undefined)
    blocks.push(`activeDeadlineSeconds ${dag.activeDeadlineSeconds}`);
  if (dag.maxActiveRuns !== undefined) blocks.push(`maxActiveRuns ${dag.maxActiveRuns}`);
  // The DSL's numbers have no sign: a negative priority stays in the manifest (like `suspended`).
  if (dag.priority !== undefined && dag.priority >= 0) blocks.push(`priority ${dag.priority}`);
  if (dag.onExitFailsRun !== undefined) blocks.push(`onExitFailsRun ${dag.onExitFailsRun}`);
  if (dag.onExit !== undefined) {
    const exitGraph = edges(dag.onExit, '    ');
    const inner = [
      ...(exitGraph.length > 0 ? [['  graph {', ...exitGraph, '  }'].join('\n')] : []),
      ...dag.onExit.map((t) => task(t, '  ')),
    ];
    blocks.push(['onExit {', inner.join('\n\n'), '}'].filter((l) => l !== '').join('\n'));
  }
  return `${blocks.join('\n\n')}\n`;
}
