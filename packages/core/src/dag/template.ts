/**
 * The one template syntax of task fields (docs/flow/templates.md): `{{ params.P }}`, `{{ run.id }}`,
 * `{{ tasks.X.outputs.Y }}`, `{{ tasks.X.status }}`, `{{ item }}` / `{{ item.key }}`. Parsing only; the
 * executor renders (`engine/render.ts`) and `flow-rules.ts` checks references when the DAG is saved.
 *
 * Only `{{ … }}` whose content starts with one of the four roots is a template: any other `{{ … }}` (a Helm or
 * Jinja snippet inside a script of an existing Kontroler DAG) stays text, so old documents keep their meaning.
 */

/** Fields of `{{ run.* }}`; `status` and `failedTasks` exist only in exit handlers. */
export const RUN_FIELDS = ['id', 'name', 'namespace', 'status', 'failedTasks'] as const;
export type RunField = (typeof RUN_FIELDS)[number];

/** What one `{{ … }}` refers to. */
export type TemplateRef =
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'run'; readonly field: RunField }
  | { readonly kind: 'output'; readonly task: string; readonly output: string }
  | { readonly kind: 'task-status'; readonly task: string }
  /** `{{ item }}` (path `[]`) or `{{ item.a.b }}` in a `forEach` task. */
  | { readonly kind: 'item'; readonly path: readonly string[] };

/** A field split into text and references, in order. */
export type TemplatePart = string | TemplateRef;

export type TemplateParse =
  | { readonly ok: true; readonly parts: readonly TemplatePart[]; readonly refs: readonly TemplateRef[] }
  | { readonly ok: false; readonly error: string };

/** `{{` + a known root + anything but braces + `}}`. The root decides whether it is ours at all. */
const TEMPLATE = /\{\{\s*((?:tasks|params|run|item)\b[^{}]*?)\s*\}\}/g;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TASK = /^[A-Za-z0-9]([-_A-Za-z0-9]*[A-Za-z0-9])?$/;

/** Whether `text` holds at least one template (cheap; most fields have none). */
export function hasTemplate(text: string): boolean {
  TEMPLATE.lastIndex = 0;
  return TEMPLATE.test(text);
}

/** Parses the expression inside one `{{ }}`, or says what is wrong with it. */
export function parseReference(expression: string): TemplateRef | string {
  const segments = expression.split('.');
  const [root, ...rest] = segments;
  const shape = `"{{ ${expression} }}"`;
  if (rest.some((s) => s === '')) return `${shape} has an empty segment`;
  switch (root) {
    case 'params':
      if (rest.length === 1 && IDENT.test(rest[0] as string))
        return { kind: 'param', name: rest[0] as string };
      return `${shape} must be {{ params.NAME }}`;
    case 'run':
      if (rest.length === 1 && (RUN_FIELDS as readonly string[]).includes(rest[0] as string)) {
        return { kind: 'run', field: rest[0] as RunField };
      }
      return `${shape} must be one of ${RUN_FIELDS.map((f) => `{{ run.${f} }}`).join(', ')}`;
    case 'item':
      if (rest.every((s) => IDENT.test(s))) return { kind: 'item', path: rest };
      return `${shape} must be {{ item }} or {{ item.KEY }}`;
    case 'tasks': {
      const [task, what, output] = rest;
      if (task === undefined || !TASK.test(task))
        return `${shape} must name a task: {{ tasks.NAME.outputs.OUTPUT }}`;
      if (what === 'status' && rest.length === 2) return { kind: 'task-status', task };
      if (what === 'outputs' && rest.length === 3 && IDENT.test(output as string)) {
        return { kind: 'output', task, output: output as string };
      }
      return `${shape} must be {{ tasks.${task}.outputs.OUTPUT }} or {{ tasks.${task}.status }}`;
    }
    default:
      return `${shape} is not a template`;
  }
}

/** Splits `text` into literal text and references; the first malformed reference is the error. */
export function parseTemplate(text: string): TemplateParse {
  const parts: TemplatePart[] = [];
  const refs: TemplateRef[] = [];
  let last = 0;
  TEMPLATE.lastIndex = 0;
  for (let m = TEMPLATE.exec(text); m !== null; m = TEMPLATE.exec(text)) {
    const ref = parseReference((m[1] as string).replace(/\s+/g, ''));
    if (typeof ref === 'string') return { ok: false, error: ref };
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push(ref);
    refs.push(ref);
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return { ok: true, parts, refs };
}

/** `{{ tasks.X.outputs.Y }}` spelled back, for messages. */
export function showReference(ref: TemplateRef): string {
  switch (ref.kind) {
    case 'param':
      return `{{ params.${ref.name} }}`;
    case 'run':
      return `{{ run.${ref.field} }}`;
    case 'output':
      return `{{ tasks.${ref.task}.outputs.${ref.output} }}`;
    case 'task-status':
      return `{{ tasks.${ref.task}.status }}`;
    case 'item':
      return `{{ ${['item', ...ref.path].join('.')} }}`;
  }
}
