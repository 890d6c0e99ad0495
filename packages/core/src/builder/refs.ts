/**
 * Typed references for the workflow builder. A `Ref` is one `{{ … }}` of the template syntax
 * (docs/flow/templates.md); a `Template` is text with refs in it. Both carry, in their type only, the names of
 * the tasks they read (`R`), so a task field that takes `Template<Allowed>` refuses at compile time a reference
 * to a task outside `Allowed` (one that is not upstream).
 */

/** Text with references, reading the tasks `R`. */
export interface Template<R extends string = never> {
  /** The field's text in the template syntax: `rows={{ tasks.extract.outputs.rows }}`. */
  readonly text: string;
  /** The same, as a CEL expression (`tasks.extract.outputs.rows`), for `when`. */
  readonly cel: string;
  /** Phantom: the tasks read. Never set at run time. */
  readonly __reads?: readonly R[];
}

/** One reference. A task output's ref also serves as `forEach.from`. */
export interface Ref<R extends string = never> extends Template<R> {
  readonly kind: 'param' | 'run' | 'output' | 'task-status' | 'item';
}

/** A reference to one declared output of task `N`. */
export interface OutputRef<N extends string> extends Ref<N> {
  readonly kind: 'output';
  readonly task: N;
  readonly output: string;
}

/** What a task field accepts: plain text (checked when the DAG is saved) or a typed template. */
export type Field<R extends string> = string | Template<R>;

/** The tasks a template value reads. */
export type ReadsOf<T> = T extends Template<infer R> ? R : never;

const CEL_IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function celTask(name: string): string {
  return CEL_IDENT.test(name) ? `tasks.${name}` : `tasks[${JSON.stringify(name)}]`;
}

export function paramRef(name: string): Ref {
  return { kind: 'param', text: `{{ params.${name} }}`, cel: `params.${name}` };
}

export function runRef(field: string): Ref {
  return { kind: 'run', text: `{{ run.${field} }}`, cel: `run.${field}` };
}

export function outputRef<N extends string>(task: N, output: string): OutputRef<N> {
  return {
    kind: 'output',
    task,
    output,
    text: `{{ tasks.${task}.outputs.${output} }}`,
    cel: `${celTask(task)}.outputs.${output}`,
  };
}

export function statusRef<N extends string>(task: N): Ref<N> {
  return { kind: 'task-status', text: `{{ tasks.${task}.status }}`, cel: `${celTask(task)}.status` };
}

/** `{{ item }}` in a `forEach` task; `item.key` reads a key of an object item. */
export interface ItemRef extends Ref {
  readonly kind: 'item';
  /** `{{ item.KEY }}`. */
  key(name: string): Ref;
}

/** The current item of a `forEach` task. */
export const item: ItemRef = {
  kind: 'item',
  text: '{{ item }}',
  cel: 'item',
  key: (name: string): Ref => ({ kind: 'item', text: `{{ item.${name} }}`, cel: `item.${name}` }),
};

function join<R extends string>(
  strings: TemplateStringsArray,
  values: readonly (Template<R> | string | number | boolean)[],
  as: 'text' | 'cel',
): string {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += typeof value === 'object' ? value[as] : String(value);
    out += strings[i + 1] ?? '';
  });
  return out;
}

/**
 * A template from a template literal: ``tpl`rows=${extract.outputs.rows}` `` is the field text
 * `rows={{ tasks.extract.outputs.rows }}`, typed as reading `extract`.
 */
export function tpl<const V extends readonly (Template<string> | string | number | boolean)[]>(
  strings: TemplateStringsArray,
  ...values: V
): Template<ReadsOf<V[number]>> {
  return { text: join(strings, values, 'text'), cel: join(strings, values, 'cel') };
}

/**
 * A CEL condition for `when`: ``cel`${check.outputs.errors} == 0 && ${wf.params.env} == "prod"` `` is the
 * expression `tasks.check.outputs.errors == 0 && params.env == "prod"`, typed as reading `check`.
 */
export function cel<const V extends readonly (Template<string> | string | number | boolean)[]>(
  strings: TemplateStringsArray,
  ...values: V
): Template<ReadsOf<V[number]>> {
  const expression = join(strings, values, 'cel');
  return { text: expression, cel: expression };
}

/** The text of a field in the document (templates become their `{{ … }}` text). */
export function fieldText(value: Field<string>): string {
  return typeof value === 'string' ? value : value.text;
}

/** The text of a `when` condition: a plain string as it is, a template as its CEL expression. */
export function conditionText(value: Field<string>): string {
  return typeof value === 'string' ? value : value.cel;
}
