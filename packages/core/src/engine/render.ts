/**
 * Before an attempt starts: which task it runs (a main task, an exit handler, or an instance `task[i]` of a
 * forEach task with its item), and that task with its templates rendered (docs/flow/templates.md) in
 * `command`, `args`, `script`, `env[].value` and every string of `with`. Pure: the caller passes the run's
 * snapshot. Output limits (docs/flow/outputs.md) live here too, next to the other half of the data flow.
 */
import type { CompiledDag, CompiledTask } from '../dag/compiled.js';
import {
  hasTemplate,
  parseReference,
  parseTemplate,
  showReference,
  type TemplateRef,
} from '../dag/template.js';
import type { AttemptRecord, RunSnapshot } from '../model/records.js';
import { parseInstance } from '../planner/instances.js';
import { exitContextOf } from '../planner/plan.js';

/** Most UTF-8 bytes of one output's JSON. */
export const MAX_OUTPUT_BYTES = 64 * 1024;
/** Most UTF-8 bytes of all outputs of one attempt, as JSON. */
export const MAX_TASK_OUTPUT_BYTES = 256 * 1024;

/** The environment variable naming the directory a task writes its output files to (every runtime). */
export const OUTPUTS_DIR_ENV = 'KONTROLER_OUTPUTS_DIR';

/**
 * The content of one output file as a JSON value: parsed JSON, or else the text as a string with one
 * trailing newline removed (`echo hello > $KONTROLER_OUTPUTS_DIR/greeting` gives `"hello"`). Every runtime
 * that reads output files uses this, so a file means the same on a host and in a pod.
 */
export function parseOutputText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.endsWith('\n') ? text.slice(0, -1) : text;
  }
}

/** The task an attempt runs: an instance carries its item. */
export interface AttemptTask {
  readonly task: CompiledTask;
  readonly exit: boolean;
  /** Present for forEach instances (the item may itself be null). */
  readonly item?: { readonly value: unknown };
}

function latestByName(snapshot: RunSnapshot): Map<string, AttemptRecord> {
  const map = new Map<string, AttemptRecord>();
  for (const a of snapshot.attempts) {
    const current = map.get(a.taskName);
    if (current === undefined || a.attempt > current.attempt) map.set(a.taskName, a);
  }
  return map;
}

/** Whether an attempt of `taskName` needs the run's snapshot before it starts (templates or an item). */
export function needsRendering(dag: CompiledDag, taskName: string): boolean {
  const direct = dag.tasks.get(taskName) ?? dag.onExit?.get(taskName);
  if (direct === undefined) return true;
  const spec = direct.spec;
  const texts = [
    ...(spec.command ?? []),
    ...(spec.args ?? []),
    spec.script ?? '',
    ...(spec.env ?? []).map((e) => e.value),
  ];
  return texts.some(hasTemplate) || (spec.with !== undefined && hasTemplate(JSON.stringify(spec.with)));
}

/** The task of an attempt, or a message saying why there is none. */
export function attemptTask(
  dag: CompiledDag,
  taskName: string,
  snapshot?: RunSnapshot,
): AttemptTask | string {
  const main = dag.tasks.get(taskName);
  if (main !== undefined) return { task: main, exit: false };
  const exit = dag.onExit?.get(taskName);
  if (exit !== undefined) return { task: exit, exit: true };
  const instance = parseInstance(taskName);
  const base = instance === null ? undefined : dag.tasks.get(instance.task);
  if (instance === null || base?.forEach === undefined) return `task ${taskName} is not in ${dag.name}`;
  let items: readonly unknown[] | undefined = base.forEach.items;
  if (items === undefined) {
    const ref = parseReference((base.forEach.from ?? '').replace(/^\s*\{\{\s*|\s*\}\}\s*$/g, ''));
    if (typeof ref === 'string' || ref.kind !== 'output' || snapshot === undefined) {
      return `the items of ${base.name} cannot be read`;
    }
    const source = latestByName(snapshot).get(ref.task);
    const value = source?.outputs?.[ref.output];
    items = Array.isArray(value) ? value : undefined;
  }
  if (items === undefined || instance.index >= items.length) return `${taskName} has no item`;
  return { task: base, exit: false, item: { value: items[instance.index] } };
}

const asText = (value: unknown): string =>
  typeof value === 'string' ? value : JSON.stringify(value ?? null);

/** Renders one field; throws a message for a reference that has no value now. */
function renderText(text: string, resolve: (ref: TemplateRef) => unknown): string {
  if (!hasTemplate(text)) return text;
  const parsed = parseTemplate(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.parts.map((part) => (typeof part === 'string' ? part : asText(resolve(part)))).join('');
}

function renderDeep(value: unknown, resolve: (ref: TemplateRef) => unknown): unknown {
  if (typeof value === 'string') return renderText(value, resolve);
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, resolve));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderDeep(v, resolve)]));
  }
  return value;
}

/**
 * The attempt's task with every template rendered, or the `TemplateError` message: a reference to an output
 * the upstream task did not produce, or to a secret parameter.
 */
export function renderTask(
  dag: CompiledDag,
  resolved: AttemptTask,
  snapshot: RunSnapshot,
  now: number,
): CompiledTask | string {
  const latest = latestByName(snapshot);
  const run = snapshot.run;
  let exitContext: { status: string; failedTasks: string[] } | undefined;
  const resolve = (ref: TemplateRef): unknown => {
    switch (ref.kind) {
      case 'param': {
        const value = run.parameters[ref.name];
        const declared = dag.spec.parameters?.find((p) => p.name === ref.name);
        if (value !== undefined && 'value' in value) return value.value;
        if (value === undefined && declared?.defaultValue !== undefined) return declared.defaultValue;
        throw new Error(`${showReference(ref)} has no value that may be written into a field`);
      }
      case 'run':
        if (ref.field === 'id') return run.id;
        if (ref.field === 'name') return run.dagName;
        if (ref.field === 'namespace') return run.namespace;
        exitContext ??= exitContextOf(dag, snapshot, now);
        return ref.field === 'status' ? exitContext.status : exitContext.failedTasks;
      case 'item': {
        let value = resolved.item?.value;
        for (const key of ref.path) {
          value =
            value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
        }
        if (value === undefined) throw new Error(`${showReference(ref)} has no value`);
        return value;
      }
      case 'task-status':
        return latest.get(ref.task)?.state ?? 'waiting';
      case 'output': {
        const source = latest.get(ref.task);
        const outputs = source?.state === 'succeeded' ? source.outputs : undefined;
        if (outputs === undefined || outputs === null || !(ref.output in outputs)) {
          throw new Error(`${showReference(ref)}: task ${ref.task} did not produce output "${ref.output}"`);
        }
        return outputs[ref.output];
      }
    }
  };
  const spec = resolved.task.spec;
  try {
    const rendered = {
      ...spec,
      ...(spec.command === undefined ? {} : { command: spec.command.map((t) => renderText(t, resolve)) }),
      ...(spec.args === undefined ? {} : { args: spec.args.map((t) => renderText(t, resolve)) }),
      ...(spec.script === undefined ? {} : { script: renderText(spec.script, resolve) }),
      ...(spec.env === undefined
        ? {}
        : { env: spec.env.map((e) => ({ ...e, value: renderText(e.value, resolve) })) }),
      ...(spec.with === undefined ? {} : { with: renderDeep(spec.with, resolve) as Record<string, unknown> }),
    };
    return Object.freeze({ ...resolved.task, spec: Object.freeze(rendered) });
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const utf8 = (text: string): number => new TextEncoder().encode(text).length;

/** Null when `outputs` are within the limits, else the `OutputTooLarge` message naming the output at fault. */
export function outputLimitProblem(outputs: Readonly<Record<string, unknown>>): string | null {
  let total = 0;
  for (const [name, value] of Object.entries(outputs)) {
    const size = utf8(JSON.stringify(value) ?? 'null');
    if (size > MAX_OUTPUT_BYTES)
      return `output "${name}" is ${size} bytes; at most ${MAX_OUTPUT_BYTES} are allowed`;
    total += size;
  }
  if (total > MAX_TASK_OUTPUT_BYTES) {
    return `the outputs are ${total} bytes together; at most ${MAX_TASK_OUTPUT_BYTES} are allowed per task`;
  }
  return null;
}
