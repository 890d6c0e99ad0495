/**
 * Workflows as code: a typed builder that produces the same DAG document as YAML or the DSL.
 *
 * ```ts
 * const wf = workflow('etl', { params: { date: '2026-01-01' } });
 * const extract = wf.task('extract', { image: 'alpine:3.20', script: 'echo 42 > $KONTROLER_OUTPUTS_DIR/rows', outputs: ['rows'] });
 * wf.task('load', { after: [extract], image: 'alpine:3.20', args: [tpl`--rows=${extract.outputs.rows}`] });
 * ```
 *
 * Outputs are typed: `extract.outputs.nope` and a reference to a task that is not upstream (directly or
 * through other tasks) do not compile. What the types cannot see (plain strings holding `{{ … }}`) is checked
 * by `validateDag` when the DAG is saved, as for any document.
 */
import { KontrolerError } from '../errors/kontroler-error.js';
import type { DagIssue, DagIssueCode } from '../dag/issues.js';
import type {
  DagSpec,
  ForEachSpec,
  OutputSpec,
  ParameterSpec,
  TaskSpec,
  TriggerRule,
} from '../dag/schema.js';
import {
  conditionText,
  fieldText,
  outputRef,
  paramRef,
  runRef,
  statusRef,
  type Field,
  type OutputRef,
  type Ref,
  type Template,
} from './refs.js';

/** The runtime name of inline function tasks (`type: function`); see `createFunctionRuntime`. */
export const FUNCTION_TASK_TYPE = 'function';

/** A task in the builder: its name, typed refs to its declared outputs and its status. */
export interface TaskHandle<N extends string = string, O extends string = string, A extends string = string> {
  readonly name: N;
  /** `{{ tasks.N.outputs.K }}` for each declared output `K`. */
  readonly outputs: { readonly [K in O]: OutputRef<N> };
  /** `{{ tasks.N.status }}`. */
  readonly status: Ref<N>;
  /** Phantom: the tasks upstream of this one, transitively. Never set at run time. */
  readonly __upstream?: () => A;
}

// `any` in the output position only: a handle's outputs play no part in what it makes upstream.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyTask = TaskHandle<string, any, string>;

/** Every task a task with `after: U` may read: those in `U` and everything upstream of them. */
export type UpstreamOf<U extends readonly AnyTask[]> = U[number] extends infer T
  ? T extends { readonly name: infer N extends string; readonly __upstream?: () => infer A extends string }
    ? N | A
    : never
  : never;

/** A declared output: its name, or its name with a description and (for plugin task types) `valueFrom`. */
export type OutputDeclaration<O extends string> =
  O | { readonly name: O; readonly description?: string; readonly valueFrom?: string };

/** A fan-out: a static list, or an upstream output holding a list (docs/flow/for-each.md). */
export type ForEachInput<R extends string> =
  | { readonly items: readonly unknown[]; readonly parallelism?: number }
  | { readonly from: OutputRef<R>; readonly parallelism?: number };

/** What an inline function task gets. */
export interface FunctionTaskContext<P extends string> {
  readonly runId: string;
  readonly taskName: string;
  /** 1-based attempt number. */
  readonly attempt: number;
  /** The run's parameters that the task lists in `parameters`; secret-backed ones are left out. */
  readonly params: Readonly<Partial<Record<P, string>>>;
  /** The task's `args`, with their templates rendered. */
  readonly args: readonly string[];
  /** The task's `env`, with their templates rendered. */
  readonly env: Readonly<Record<string, string>>;
  /** Aborted on cancel or timeout. */
  readonly signal: AbortSignal;
  /** Writes a line to the attempt's log. */
  log(text: string): void;
}

/** An inline TypeScript task: returns the values of its declared outputs (or nothing). */
export type TaskFunction<P extends string, O extends string> = (
  context: FunctionTaskContext<P>,
) => Promise<Partial<Record<O, unknown>> | void> | Partial<Record<O, unknown>> | void;

/** Fields every task has, whatever runs it. `R` is what its templates may read. */
interface CommonTaskOptions<
  P extends string,
  R extends string,
  O extends string,
  U extends readonly AnyTask[],
> {
  /** The tasks this one runs after (`runAfter`). */
  readonly after?: U;
  readonly args?: readonly Field<R>[];
  /** Environment variables; values may be templates. */
  readonly env?: Readonly<Record<string, Field<R>>>;
  readonly outputs?: readonly OutputDeclaration<O>[];
  /** A CEL condition (``cel`…` `` or a string); false skips the task. */
  readonly when?: Field<R>;
  readonly triggerRule?: TriggerRule;
  readonly forEach?: ForEachInput<R>;
  /** DAG parameters the task receives as environment variables. */
  readonly parameters?: readonly P[];
  readonly backoff?: TaskSpec['backoff'];
  readonly conditional?: TaskSpec['conditional'];
  readonly retryPolicy?: TaskSpec['retryPolicy'];
  readonly timeoutSeconds?: number;
}

/** A container (or plugin `type`) task. */
export interface ContainerTaskOptions<
  P extends string,
  R extends string,
  O extends string,
  U extends readonly AnyTask[],
> extends CommonTaskOptions<P, R, O, U> {
  /** A plugin task type (e.g. `http`); default: a container. */
  readonly type?: string;
  readonly image?: string;
  readonly command?: readonly Field<R>[];
  readonly script?: Field<R>;
  readonly scriptInjectorImage?: string;
  readonly podTemplate?: TaskSpec['podTemplate'];
  readonly taskRef?: TaskSpec['taskRef'];
  /** Settings of a plugin task type; template values become their `{{ … }}` text. */
  readonly with?: Readonly<Record<string, unknown>>;
  readonly run?: never;
}

/** An inline TypeScript function task (`type: function`), for engines that register `createFunctionRuntime`. */
export interface FunctionTaskOptions<
  P extends string,
  R extends string,
  O extends string,
  U extends readonly AnyTask[],
> extends CommonTaskOptions<P, R, O, U> {
  readonly run: TaskFunction<P, O>;
}

export type TaskOptions<P extends string, R extends string, O extends string, U extends readonly AnyTask[]> =
  ContainerTaskOptions<P, R, O, U> | FunctionTaskOptions<P, R, O, U>;

/** A DAG parameter: its default value, or where its value comes from. */
export type ParameterInput =
  | string
  | { readonly default: string; readonly description?: string }
  | { readonly fromSecret: string; readonly description?: string };

export interface WorkflowOptions<P extends string> {
  readonly namespace?: string;
  readonly description?: string;
  readonly schedule?: string;
  readonly timezone?: string;
  readonly concurrencyPolicy?: DagSpec['concurrencyPolicy'];
  readonly suspended?: boolean;
  readonly params?: { readonly [K in P]: ParameterInput };
  readonly webhook?: DagSpec['webhook'];
  readonly workspace?: DagSpec['workspace'];
  readonly activeDeadlineSeconds?: number;
  readonly onExitFailsRun?: boolean;
}

/** `{{ run.* }}` references; `status` and `failedTasks` are for exit handlers. */
export interface RunRefs {
  readonly id: Ref;
  readonly name: Ref;
  readonly namespace: Ref;
  readonly status: Ref;
  readonly failedTasks: Ref;
}

export interface Workflow<P extends string = string> {
  readonly name: string;
  readonly namespace: string;
  /** `{{ params.K }}` for each declared parameter. */
  readonly params: { readonly [K in P]: Ref };
  readonly run: RunRefs;
  /** Adds a task; the handle it returns is what downstream tasks use in `after` and templates. */
  task<const N extends string, const O extends string = never, const U extends readonly AnyTask[] = []>(
    name: N,
    options: TaskOptions<P, UpstreamOf<U>, O, U>,
  ): TaskHandle<N, O, UpstreamOf<U>>;
  /**
   * Adds an exit handler: it runs once the main tasks have ended, whatever the outcome, and may read any
   * main task. `after` names other exit handlers only.
   */
  onExit<const N extends string, const O extends string = never, const U extends readonly AnyTask[] = []>(
    name: N,
    options: TaskOptions<P, string, O, U>,
  ): TaskHandle<N, O, never>;
  /** The DAG document: the same as the equivalent YAML or DSL would parse to. */
  toDocument(): DagSpec;
  /** The inline function tasks, by task name (`createFunctionRuntime` runs them). */
  readonly functions: ReadonlyMap<string, TaskFunction<P, string>>;
}

/** A mistake the builder sees at once, as the same typed error `validateDag` would give. */
function invalid(task: string, code: DagIssueCode, message: string): KontrolerError<'DAG_INVALID'> {
  const issue: DagIssue = { code, path: '/tasks', task, message: `task "${task}": ${message}` };
  return new KontrolerError('DAG_INVALID', issue.message, { issues: [issue] });
}

function parameterSpec(name: string, input: ParameterInput): ParameterSpec {
  if (typeof input === 'string') return { name, defaultValue: input };
  if ('fromSecret' in input) {
    return {
      name,
      defaultFromSecret: input.fromSecret,
      ...(input.description ? { description: input.description } : {}),
    };
  }
  return {
    name,
    defaultValue: input.default,
    ...(input.description ? { description: input.description } : {}),
  };
}

function outputSpec(declaration: OutputDeclaration<string>): OutputSpec {
  return typeof declaration === 'string' ? { name: declaration } : { ...declaration };
}

/** Plugin settings with templates turned into their text, at any depth. */
function withText(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withText);
  if (value !== null && typeof value === 'object') {
    if (typeof (value as Partial<Template<string>>).text === 'string' && 'cel' in value) {
      return (value as Template<string>).text;
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withText(v)]));
  }
  return value;
}

function forEachSpec(input: ForEachInput<string>): ForEachSpec {
  const parallelism = input.parallelism === undefined ? {} : { parallelism: input.parallelism };
  return 'items' in input
    ? { items: [...input.items], ...parallelism }
    : { from: input.from.text, ...parallelism };
}

type AnyOptions = TaskOptions<string, string, string, readonly AnyTask[]>;

function taskSpec(name: string, options: AnyOptions): TaskSpec {
  const isFunction = typeof options.run === 'function';
  const container = options as ContainerTaskOptions<string, string, string, readonly AnyTask[]>;
  if (
    isFunction &&
    (container.image !== undefined || container.script !== undefined || container.command !== undefined)
  ) {
    throw invalid(
      name,
      'COMMAND_AND_SCRIPT',
      'a function task (run) cannot also have an image, command or script',
    );
  }
  const spec: Record<string, unknown> = { name };
  if (isFunction) spec.type = FUNCTION_TASK_TYPE;
  else if (container.type !== undefined) spec.type = container.type;
  if (container.image !== undefined) spec.image = container.image;
  if (container.command) spec.command = container.command.map(fieldText);
  if (options.args) spec.args = options.args.map(fieldText);
  if (container.script !== undefined) spec.script = fieldText(container.script);
  if (container.scriptInjectorImage !== undefined) spec.scriptInjectorImage = container.scriptInjectorImage;
  if (options.after && options.after.length > 0) spec.runAfter = options.after.map((t) => t.name);
  if (options.backoff) spec.backoff = options.backoff;
  if (options.conditional) spec.conditional = options.conditional;
  if (options.retryPolicy) spec.retryPolicy = options.retryPolicy;
  if (options.parameters && options.parameters.length > 0) spec.parameters = [...options.parameters];
  if (container.podTemplate) spec.podTemplate = container.podTemplate;
  if (container.taskRef) spec.taskRef = container.taskRef;
  if (options.timeoutSeconds !== undefined) spec.timeoutSeconds = options.timeoutSeconds;
  if (container.with) spec.with = withText(container.with);
  if (options.env) {
    spec.env = Object.entries(options.env).map(([envName, value]) => ({
      name: envName,
      value: fieldText(value),
    }));
  }
  if (options.outputs && options.outputs.length > 0) spec.outputs = options.outputs.map(outputSpec);
  if (options.when !== undefined) spec.when = conditionText(options.when);
  if (options.triggerRule !== undefined) spec.triggerRule = options.triggerRule;
  if (options.forEach) spec.forEach = forEachSpec(options.forEach);
  return spec as TaskSpec;
}

function handle(name: string, outputs: readonly OutputDeclaration<string>[] | undefined): AnyTask {
  const refs: Record<string, OutputRef<string>> = {};
  for (const declaration of outputs ?? []) {
    const outputName = typeof declaration === 'string' ? declaration : declaration.name;
    refs[outputName] = outputRef(name, outputName);
  }
  return { name, outputs: refs, status: statusRef(name) };
}

/** Starts a workflow named `name` (the DAG name). Parameters are typed by the keys of `options.params`. */
export function workflow<const P extends string = never>(
  name: string,
  options: WorkflowOptions<P> = {},
): Workflow<P> {
  const tasks: TaskSpec[] = [];
  const exitTasks: TaskSpec[] = [];
  const names = new Set<string>();
  const functions = new Map<string, TaskFunction<P, string>>();
  const params = Object.fromEntries(Object.keys(options.params ?? {}).map((key) => [key, paramRef(key)])) as {
    readonly [K in P]: Ref;
  };

  const add = (list: TaskSpec[], taskName: string, taskOptions: AnyOptions): AnyTask => {
    if (names.has(taskName)) {
      throw invalid(taskName, 'DUPLICATE_TASK', `task "${taskName}" is added twice to workflow "${name}"`);
    }
    names.add(taskName);
    list.push(taskSpec(taskName, taskOptions));
    if (typeof taskOptions.run === 'function')
      functions.set(taskName, taskOptions.run as TaskFunction<P, string>);
    return handle(taskName, taskOptions.outputs);
  };

  return {
    name,
    namespace: options.namespace ?? 'default',
    params,
    run: {
      id: runRef('id'),
      name: runRef('name'),
      namespace: runRef('namespace'),
      status: runRef('status'),
      failedTasks: runRef('failedTasks'),
    },
    functions,
    task(taskName, taskOptions) {
      return add(tasks, taskName, taskOptions as AnyOptions) as never;
    },
    onExit(taskName, taskOptions) {
      return add(exitTasks, taskName, taskOptions as AnyOptions) as never;
    },
    toDocument() {
      const doc: Record<string, unknown> = { name };
      if (options.namespace !== undefined) doc.namespace = options.namespace;
      if (options.description !== undefined) doc.description = options.description;
      if (options.schedule !== undefined) doc.schedule = options.schedule;
      if (options.timezone !== undefined) doc.timezone = options.timezone;
      if (options.concurrencyPolicy !== undefined) doc.concurrencyPolicy = options.concurrencyPolicy;
      if (options.suspended !== undefined) doc.suspended = options.suspended;
      const parameters = Object.entries<ParameterInput>(options.params ?? {});
      if (parameters.length > 0) doc.parameters = parameters.map(([key, value]) => parameterSpec(key, value));
      doc.tasks = tasks.map((t) => structuredClone(t));
      if (options.webhook) doc.webhook = options.webhook;
      if (options.workspace) doc.workspace = options.workspace;
      if (exitTasks.length > 0) doc.onExit = exitTasks.map((t) => structuredClone(t));
      if (options.onExitFailsRun !== undefined) doc.onExitFailsRun = options.onExitFailsRun;
      if (options.activeDeadlineSeconds !== undefined)
        doc.activeDeadlineSeconds = options.activeDeadlineSeconds;
      return doc as DagSpec;
    },
  };
}
