/**
 * A recursive-descent parser for the Kontroler DSL (kontroler-compat.md §3), accepting a compatible
 * superset: chained edges (`a -> b -> c`), groups on either side (`{a, b} -> c`), quoted task names,
 * `param "name" { default "v" secret "s" }`, and `"""…"""` wherever a string goes.
 *
 * It reports what Kontroler's DSL validator does (edge ends that are not tasks — Kontroler drops
 * unknown targets silently, we report them — parameters with both or neither default, undeclared
 * parameters) plus duplicate tasks and self-edges, all with line and column. Graph rules the DSL
 * shares with YAML (cycles, names, cron) are left to `validateDag`.
 *
 * Extensions for data and control flow (docs/flow): task fields `outputs`, `env`, `when`,
 * `triggerRule`, `forEach`, and top-level `onExit { task … graph { … } }`, `onExitFailsRun`,
 * `activeDeadlineSeconds`, for run limits `maxActiveRuns` and `priority` (docs/run-limits.md), and the
 * task field `approval { … }` (docs/approval.md).
 * Kontroler's DSL has none of these words, so its files parse as before.
 */
import type { DagIssue } from './issues.js';
import {
  APPROVER_ROLES,
  TRIGGER_RULES,
  type ApprovalSpec,
  type DagSpec,
  type EnvVarSpec,
  type ForEachSpec,
  type OutputSpec,
  type ParameterSpec,
  type RetryPolicy,
  type TaskSpec,
  type TriggerRule,
} from './schema.js';
import { DEFAULT_BACKOFF_LIMIT } from './compiled.js';
import { DslSyntaxError, lex, type Token, type TokenKind } from './dsl-lexer.js';
import { MAX_DSL_BYTES, utf8Length } from './limits.js';
import { pointer } from './pointer.js';
import type { TextPosition } from './source-map.js';

export interface ParseDslOptions {
  /** The DAG's name; a DSL file has none. @default "dag" */
  name?: string;
}

export type DslResult = { ok: true; dag: DagSpec; warnings: DagIssue[] } | { ok: false; errors: DagIssue[] };

interface TaskDef {
  readonly name: string;
  readonly at: Token;
  /** Each field's keyword, for positions (`image` → the `image` token). */
  readonly fields: Map<string, Token>;
  image?: string;
  command?: string[];
  args?: string[];
  script?: string;
  parameters?: Token[];
  retry?: number[];
  backoff?: number;
  retryPolicy?: RetryPolicy;
  outputs?: OutputSpec[];
  env?: EnvVarSpec[];
  when?: string;
  triggerRule?: TriggerRule;
  forEach?: ForEachSpec;
  approval?: ApprovalSpec;
  /** Positions inside a field (`['env', 0]` → the variable's name token), relative to the task. */
  readonly nested: [path: (string | number)[], token: Token][];
}

const TRIGGER_RULE_NAMES: ReadonlySet<string> = new Set<string>(TRIGGER_RULES);
const APPROVER_ROLE_NAMES: ReadonlySet<string> = new Set<string>(APPROVER_ROLES);

/** The task fields, for error messages. */
const TASK_FIELDS =
  'image, command, args, script, parameters, retry, backoff, retryPolicy, outputs, env, when, triggerRule, forEach, approval or "}"';
const TOP_LEVEL =
  '"schedule", "parameters", "graph", "task", "onExit", "onExitFailsRun", "activeDeadlineSeconds", "maxActiveRuns" or "priority"';

/** The values of `retryPolicy` (an extension: Kontroler's DSL has no such field). */
const RETRY_POLICY_NAMES: ReadonlySet<string> = new Set<RetryPolicy>([
  'OnFailure',
  'OnError',
  'Always',
  'OnTransientError',
]);

interface ParamDef {
  readonly name: string;
  readonly at: Token;
  /** `defaultValue` / `defaultFromSecret` → the keyword's token. */
  readonly fields: Map<string, Token>;
  defaultValue?: string;
  defaultFromSecret?: string;
}

interface Edge {
  readonly from: Token;
  readonly to: Token;
}

/** The exit handlers' own tasks and graph (`onExit { task … graph { … } }`). */
interface ExitAst {
  readonly at: Token;
  edges: Edge[];
  tasks: TaskDef[];
}

interface Ast {
  schedule?: string;
  scheduleAt?: Token;
  /** The `graph` keyword: where problems of the graph as a whole (no root task) are shown. */
  graphAt?: Token;
  parameters?: ParamDef[];
  edges: Edge[];
  tasks: TaskDef[];
  onExit?: ExitAst;
  onExitFailsRun?: boolean;
  activeDeadlineSeconds?: number;
  maxActiveRuns?: number;
  priority?: number;
  /** `onExitFailsRun` / `activeDeadlineSeconds` / `maxActiveRuns` / `priority` → the keyword's token. */
  readonly fields: Map<string, Token>;
}

function describe(token: Token): string {
  if (token.kind === 'eof') return 'end of input';
  if (token.kind === 'string' || token.kind === 'multiline') return 'a string';
  if (token.kind === 'int') return `number ${token.text}`;
  if (token.kind === 'ident') return `"${token.text}"`;
  return `"${token.text}"`;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.pos++;
    return token;
  }

  private fail(expected: string, token = this.peek()): never {
    throw new DslSyntaxError(`expected ${expected} but found ${describe(token)}`, token.line, token.column);
  }

  private expect(kind: TokenKind, what: string): Token {
    if (this.peek().kind !== kind) this.fail(what);
    return this.next();
  }

  private string(): string {
    const token = this.peek();
    if (token.kind !== 'string' && token.kind !== 'multiline') this.fail('a string');
    return this.next().text;
  }

  private int(): number {
    return Number(this.expect('int', 'a number').text);
  }

  /** `[ item ("," item)* ]`, also empty. */
  private list<T>(item: () => T): T[] {
    this.expect('[', '"["');
    const items: T[] = [];
    if (this.peek().kind !== ']') {
      items.push(item());
      while (this.peek().kind === ',') {
        this.next();
        items.push(item());
      }
    }
    this.expect(']', '"," or "]"');
    return items;
  }

  /** A task name: an identifier or a quoted string. */
  private name(): Token {
    const token = this.peek();
    if (token.kind !== 'ident' && token.kind !== 'string') this.fail('a task name');
    return this.next();
  }

  file(): Ast {
    const ast: Ast = { edges: [], tasks: [], fields: new Map() };
    for (let token = this.peek(); token.kind !== 'eof'; token = this.peek()) {
      if (token.kind !== 'ident') this.fail(TOP_LEVEL);
      switch (token.text) {
        case 'schedule':
          this.next();
          ast.scheduleAt = this.peek();
          ast.schedule = this.string();
          break;
        case 'parameters':
          this.next();
          ast.parameters = this.parameters();
          break;
        case 'graph':
          ast.graphAt = this.next();
          ast.edges = this.graph();
          break;
        case 'task':
          this.next();
          ast.tasks.push(this.task());
          break;
        case 'onExit':
          ast.onExit = this.onExit(this.next());
          break;
        case 'onExitFailsRun':
          ast.fields.set('onExitFailsRun', this.next());
          ast.onExitFailsRun = this.boolean();
          break;
        case 'activeDeadlineSeconds':
          ast.fields.set('activeDeadlineSeconds', this.next());
          ast.activeDeadlineSeconds = this.int();
          break;
        case 'maxActiveRuns':
          ast.fields.set('maxActiveRuns', this.next());
          ast.maxActiveRuns = this.int();
          break;
        case 'priority':
          ast.fields.set('priority', this.next());
          ast.priority = this.int();
          break;
        default:
          this.fail(TOP_LEVEL);
      }
    }
    return ast;
  }

  private boolean(): boolean {
    const token = this.peek();
    if (token.kind !== 'ident' || (token.text !== 'true' && token.text !== 'false'))
      this.fail('true or false');
    return this.next().text === 'true';
  }

  /** `onExit { (task NAME { … } | graph { … })* }`: the exit handlers and the edges between them. */
  private onExit(at: Token): ExitAst {
    const exit: ExitAst = { at, edges: [], tasks: [] };
    this.expect('{', '"{"');
    while (this.peek().kind !== '}') {
      const word = this.peek();
      if (word.kind === 'ident' && word.text === 'task') {
        this.next();
        exit.tasks.push(this.task());
      } else if (word.kind === 'ident' && word.text === 'graph') {
        this.next();
        exit.edges.push(...this.graph());
      } else this.fail('"task", "graph" or "}"');
    }
    this.next();
    return exit;
  }

  /** `["a", "b" { valueFrom "/body/b" description "…" }]`. */
  private outputs(task: TaskDef): OutputSpec[] {
    let i = 0;
    return this.list(() => {
      task.nested.push([['outputs', i++], this.peek()]);
      const output: OutputSpec = { name: this.string() };
      if (this.peek().kind !== '{') return output;
      this.next();
      while (this.peek().kind !== '}') {
        const field = this.expect('ident', 'valueFrom, description or "}"');
        if (field.text === 'valueFrom') output.valueFrom = this.string();
        else if (field.text === 'description') output.description = this.string();
        else this.fail('valueFrom, description or "}"', field);
      }
      this.next();
      return output;
    });
  }

  /** `{ NAME "value" … }`; a name that is no identifier is quoted. */
  private env(task: TaskDef): EnvVarSpec[] {
    this.expect('{', '"{"');
    const vars: EnvVarSpec[] = [];
    while (this.peek().kind !== '}') {
      const at = this.peek();
      if (at.kind !== 'ident' && at.kind !== 'string') this.fail('a variable name or "}"');
      task.nested.push([['env', vars.length], this.next()]);
      vars.push({ name: at.text, value: this.string() });
    }
    this.next();
    return vars;
  }

  /** An item of a DSL list of `items`: a string, a number, true, false or null. */
  private item(): unknown {
    const token = this.peek();
    if (token.kind === 'string' || token.kind === 'multiline') return this.next().text;
    if (token.kind === 'int') {
      const value = Number(token.text);
      if (!Number.isSafeInteger(value))
        this.fail('an integer up to 9007199254740991 (write larger ones as JSON)');
      this.next();
      return value;
    }
    if (
      token.kind === 'ident' &&
      (token.text === 'true' || token.text === 'false' || token.text === 'null')
    ) {
      return JSON.parse(this.next().text) as unknown;
    }
    return this.fail('a string, a number, true, false or null');
  }

  /** `{ items [ … ] | items "<JSON list>" | from "{{ … }}" | parallelism N }`. */
  private forEach(task: TaskDef): ForEachSpec {
    this.expect('{', '"{"');
    const spec: ForEachSpec = {};
    const expected = 'items, from, parallelism or "}"';
    while (this.peek().kind !== '}') {
      const field = this.expect('ident', expected);
      task.nested.push([['forEach', field.text], field]);
      if (field.text === 'items') {
        if (this.peek().kind === '[') spec.items = this.list(() => this.item());
        else spec.items = this.jsonList();
      } else if (field.text === 'from') spec.from = this.string();
      else if (field.text === 'parallelism') spec.parallelism = this.int();
      else this.fail(expected, field);
    }
    this.next();
    return spec;
  }

  /**
   * `{ timeoutSeconds N onTimeout approve|reject approvers [editor, admin] message "…" }`. A missing
   * required field is left to validateDag, which names it (as for a `forEach` with neither items nor from).
   */
  private approval(task: TaskDef): ApprovalSpec {
    this.expect('{', '"{"');
    const spec: Partial<ApprovalSpec> = {};
    const expected = 'timeoutSeconds, onTimeout, approvers, message or "}"';
    while (this.peek().kind !== '}') {
      const field = this.expect('ident', expected);
      task.nested.push([['approval', field.text], field]);
      if (field.text === 'timeoutSeconds') spec.timeoutSeconds = this.int();
      else if (field.text === 'onTimeout') {
        const outcome = this.peek();
        if (outcome.kind !== 'ident' || (outcome.text !== 'approve' && outcome.text !== 'reject'))
          this.fail('approve or reject');
        spec.onTimeout = this.next().text as ApprovalSpec['onTimeout'];
      } else if (field.text === 'approvers') {
        spec.approvers = this.list(() => {
          const role = this.peek();
          if ((role.kind !== 'ident' && role.kind !== 'string') || !APPROVER_ROLE_NAMES.has(role.text))
            this.fail(`a role (${APPROVER_ROLES.join(', ')})`);
          return this.next().text as (typeof APPROVER_ROLES)[number];
        });
      } else if (field.text === 'message') spec.message = this.string();
      else this.fail(expected, field);
    }
    this.next();
    // Required fields may be missing here: the schema check reports them with their path.
    return spec as ApprovalSpec;
  }

  /** A string holding a JSON list (items that are objects, negative or fractional numbers…). */
  private jsonList(): unknown[] {
    const token = this.peek();
    const text = this.string();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new DslSyntaxError(`items: not valid JSON (${reason})`, token.line, token.column);
    }
    if (!Array.isArray(value)) {
      throw new DslSyntaxError(
        'items: expected "[" or a string holding a JSON list',
        token.line,
        token.column,
      );
    }
    return value;
  }

  private parameters(): ParamDef[] {
    this.expect('{', '"{"');
    const params: ParamDef[] = [];
    while (this.peek().kind !== '}') {
      let at = this.peek();
      if (at.kind === 'ident' && at.text === 'param' && this.peek(1).kind === 'string') {
        this.next();
        at = this.next();
      } else if (at.kind === 'ident' || at.kind === 'string') {
        this.next();
      } else {
        this.fail('a parameter name or "}"');
      }
      const param: ParamDef = { name: at.text, at, fields: new Map() };
      this.expect('{', '"{"');
      while (this.peek().kind !== '}') {
        const field = this.expect('ident', '"default", "defaultFromSecret" or "}"');
        if (field.text === 'default') {
          param.fields.set('defaultValue', field);
          param.defaultValue = this.string();
        } else if (field.text === 'defaultFromSecret' || field.text === 'secret') {
          param.fields.set('defaultFromSecret', field);
          param.defaultFromSecret = this.string();
        } else this.fail('"default", "defaultFromSecret" or "}"', field);
      }
      this.next();
      params.push(param);
    }
    this.next();
    return params;
  }

  /** `name` or `{ name, name }`. */
  private group(): Token[] {
    if (this.peek().kind !== '{') return [this.name()];
    this.next();
    const names = [this.name()];
    while (this.peek().kind === ',') {
      this.next();
      names.push(this.name());
    }
    this.expect('}', '"," or "}"');
    return names;
  }

  private graph(): Edge[] {
    this.expect('{', '"{"');
    const edges: Edge[] = [];
    while (this.peek().kind !== '}') {
      let sources = this.group();
      this.expect('arrow', '"->"');
      do {
        const targets = this.group();
        for (const from of sources) for (const to of targets) edges.push({ from, to });
        sources = targets;
      } while (this.peek().kind === 'arrow' && this.next());
    }
    this.next();
    return edges;
  }

  private task(): TaskDef {
    const at = this.name();
    const task: TaskDef = { name: at.text, at, fields: new Map(), nested: [] };
    this.expect('{', '"{"');
    const strings = () => this.list(() => this.string());
    while (this.peek().kind !== '}') {
      const field = this.expect('ident', 'a task field or "}"');
      // `retry` sets `conditional`, `backoff` sets `backoff`: the model fields they become.
      task.fields.set(field.text === 'retry' ? 'conditional' : field.text, field);
      switch (field.text) {
        case 'image':
          task.image = this.string();
          break;
        case 'command':
          task.command = strings();
          break;
        case 'args':
          task.args = strings();
          break;
        case 'script':
          task.script = this.string();
          break;
        case 'parameters':
          task.parameters = this.list(() => {
            const token = this.peek();
            if (token.kind !== 'string' && token.kind !== 'multiline') this.fail('a string');
            return this.next();
          });
          break;
        case 'retry':
          task.retry = this.list(() => this.int());
          break;
        case 'backoff':
          task.backoff = this.int();
          break;
        case 'retryPolicy': {
          const policy = this.peek();
          if (policy.kind !== 'ident' || !RETRY_POLICY_NAMES.has(policy.text)) {
            this.fail('OnFailure, OnError, Always or OnTransientError');
          }
          task.retryPolicy = this.next().text as RetryPolicy;
          break;
        }
        case 'outputs':
          task.outputs = this.outputs(task);
          break;
        case 'env':
          task.env = this.env(task);
          break;
        case 'when':
          task.when = this.string();
          break;
        case 'triggerRule': {
          const rule = this.peek();
          if (rule.kind !== 'ident' || !TRIGGER_RULE_NAMES.has(rule.text)) {
            this.fail(`a trigger rule (${TRIGGER_RULES.join(', ')})`);
          }
          task.triggerRule = this.next().text as TriggerRule;
          break;
        }
        case 'forEach':
          task.forEach = this.forEach(task);
          break;
        case 'approval':
          task.approval = this.approval(task);
          break;
        default:
          this.fail(TASK_FIELDS, field);
      }
    }
    this.next();
    return task;
  }
}

const at = (token: Token) => ({ line: token.line, column: token.column });

/** The tasks of one list (`tasks` or `onExit`), their index by name and where their edges came from. */
interface BuiltList {
  readonly list: 'tasks' | 'onExit';
  readonly defs: readonly TaskDef[];
  readonly edges: readonly Edge[];
  readonly index: ReadonlyMap<string, number>;
  readonly tasks: readonly TaskSpec[];
}

/** Records where each model path came from in the DSL text. */
function recordPositions(ast: Ast, lists: readonly BuiltList[]) {
  const positions = new Map<string, TextPosition>();
  if (ast.scheduleAt) positions.set('/schedule', at(ast.scheduleAt));
  const first = ast.graphAt ?? ast.tasks[0]?.at;
  if (first) positions.set('/tasks', at(first));
  if (ast.onExit) positions.set('/onExit', at(ast.onExit.at));
  for (const [field, token] of ast.fields) positions.set(pointer(field), at(token));
  ast.parameters?.forEach((param, i) => {
    positions.set(pointer('parameters', i), at(param.at));
    positions.set(pointer('parameters', i, 'name'), at(param.at));
    for (const [field, token] of param.fields) positions.set(pointer('parameters', i, field), at(token));
  });
  for (const { list, defs, edges, index, tasks } of lists) {
    for (const def of defs) {
      const i = index.get(def.name);
      // A duplicate definition is reported on its own; the positions are the first one's.
      if (i === undefined || tasks[i]?.name !== def.name || positions.has(pointer(list, i))) continue;
      positions.set(pointer(list, i), at(def.at));
      positions.set(pointer(list, i, 'name'), at(def.at));
      for (const [field, token] of def.fields) positions.set(pointer(list, i, field), at(token));
      def.parameters?.forEach((token, p) => positions.set(pointer(list, i, 'parameters', p), at(token)));
      for (const [path, token] of def.nested) positions.set(pointer(list, i, ...path), at(token));
    }
    for (const { from, to } of edges) {
      const target = index.get(to.text);
      const runAfter = target === undefined ? undefined : tasks[target]?.runAfter;
      const k = runAfter?.indexOf(from.text) ?? -1;
      if (k === -1) continue;
      const key = pointer(list, target as number, 'runAfter', k);
      if (!positions.has(key)) positions.set(key, at(from));
      if (!positions.has(pointer(list, target as number, 'runAfter')))
        positions.set(pointer(list, target as number, 'runAfter'), at(from));
    }
  }
  return positions;
}

/** The TaskSpecs of one list, with Kontroler's defaults; duplicates are reported and dropped. */
function buildTasks(
  list: 'tasks' | 'onExit',
  defs: readonly TaskDef[],
  errors: DagIssue[],
  warnings: DagIssue[],
): { index: Map<string, number>; tasks: TaskSpec[] } {
  const index = new Map<string, number>();
  const tasks: TaskSpec[] = [];
  defs.forEach((def) => {
    if (index.has(def.name)) {
      errors.push({
        code: 'DUPLICATE_TASK',
        path: '',
        task: def.name,
        message: `${list === 'onExit' ? 'exit handler' : 'task'} "${def.name}" is defined more than once`,
        ...at(def.at),
      });
      return;
    }
    const i = tasks.length;
    index.set(def.name, i);
    const task: TaskSpec = { name: def.name };
    if (def.image !== undefined) task.image = def.image;
    if (def.command !== undefined) {
      if (def.script !== undefined) {
        // Kontroler runs the script when both are given; keep its behaviour, but say so.
        warnings.push({
          code: 'COMMAND_AND_SCRIPT',
          path: pointer(list, i, 'command'),
          task: def.name,
          message: `task "${def.name}" sets both command and script; the script runs and command is ignored`,
          ...at(def.at),
        });
      } else task.command = def.command;
    }
    if (def.args !== undefined) task.args = def.args;
    if (def.script !== undefined) task.script = def.script;
    if (def.parameters !== undefined) task.parameters = def.parameters.map((t) => t.text);
    task.backoff = { limit: def.backoff ?? DEFAULT_BACKOFF_LIMIT };
    task.conditional =
      def.retry === undefined ? { enabled: false, retryCodes: [] } : { enabled: true, retryCodes: def.retry };
    if (def.retryPolicy !== undefined) task.retryPolicy = def.retryPolicy;
    if (def.outputs !== undefined) task.outputs = def.outputs;
    if (def.env !== undefined) task.env = def.env;
    if (def.when !== undefined) task.when = def.when;
    if (def.triggerRule !== undefined) task.triggerRule = def.triggerRule;
    if (def.forEach !== undefined) task.forEach = def.forEach;
    if (def.approval !== undefined) task.approval = def.approval;
    tasks.push(task);
  });
  return { index, tasks };
}

/** Turns `a -> b` edges into `runAfter` entries of one list, reporting ends that are not in it. */
function applyEdges(built: BuiltList, errors: DagIssue[]) {
  const { list, edges, index, tasks } = built;
  for (const { from, to } of edges) {
    const target = index.get(to.text);
    for (const [end, token] of [
      ['source', from],
      ['target', to],
    ] as const) {
      if (index.has(token.text)) continue;
      errors.push({
        code: 'UNKNOWN_DEPENDENCY',
        path: '',
        task: token.text,
        message:
          list === 'onExit'
            ? `onExit edge ${end} "${token.text}" is not a defined exit handler`
            : `edge ${end} "${token.text}" is not a defined task`,
        ...at(token),
      });
    }
    if (target === undefined || !index.has(from.text)) continue;
    const task = tasks[target] as TaskSpec;
    if (from.text === to.text) {
      errors.push({
        code: 'SELF_DEPENDENCY',
        path: pointer(list, target, 'runAfter'),
        task: to.text,
        message: `task "${to.text}" runs after itself`,
        ...at(from),
      });
      continue;
    }
    task.runAfter ??= [];
    if (!task.runAfter.includes(from.text)) task.runAfter.push(from.text);
  }
}

/** Reports task parameters that the DAG does not declare. */
function checkParameters(built: BuiltList, declared: ReadonlySet<string>, errors: DagIssue[]) {
  for (const def of built.defs) {
    const i = built.index.get(def.name);
    (def.parameters ?? []).forEach((token, p) => {
      if (declared.has(token.text)) return;
      errors.push({
        code: 'UNDECLARED_PARAMETER',
        path: i === undefined ? '' : pointer(built.list, i, 'parameters', p),
        task: def.name,
        message: `task "${def.name}" uses parameter "${token.text}", which is not declared`,
        ...at(token),
      });
    });
  }
}

/** Turns the syntax tree into a DagSpec, collecting the semantic errors and warnings. */
function build(ast: Ast, name: string): DslParsed {
  const errors: DagIssue[] = [];
  const warnings: DagIssue[] = [];
  const main: BuiltList = {
    list: 'tasks',
    defs: ast.tasks,
    edges: ast.edges,
    ...buildTasks('tasks', ast.tasks, errors, warnings),
  };
  const lists: BuiltList[] = [main];
  if (ast.onExit) {
    const { tasks: defs, edges } = ast.onExit;
    lists.push({ list: 'onExit', defs, edges, ...buildTasks('onExit', defs, errors, warnings) });
  }
  applyEdges(main, errors);
  const dag: DagSpec = { name, tasks: [] };
  if (ast.schedule !== undefined) dag.schedule = ast.schedule;
  const declared = new Set<string>();
  if (ast.parameters !== undefined) {
    const parameters: ParameterSpec[] = [];
    ast.parameters.forEach((param, i) => {
      if (declared.has(param.name)) {
        errors.push({
          code: 'DUPLICATE_PARAMETER',
          path: pointer('parameters', i),
          message: `parameter "${param.name}" is declared more than once`,
          ...at(param.at),
        });
      }
      declared.add(param.name);
      const hasValue = param.defaultValue !== undefined;
      if (hasValue === (param.defaultFromSecret !== undefined)) {
        errors.push({
          code: 'INVALID_PARAMETER',
          path: pointer('parameters', i),
          message: `parameter "${param.name}" needs exactly one of default and defaultFromSecret (it has ${
            hasValue ? 'both' : 'neither'
          })`,
          ...at(param.at),
        });
      }
      const spec: ParameterSpec = { name: param.name };
      if (param.defaultValue !== undefined) spec.defaultValue = param.defaultValue;
      if (param.defaultFromSecret !== undefined) spec.defaultFromSecret = param.defaultFromSecret;
      parameters.push(spec);
    });
    dag.parameters = parameters;
  }
  checkParameters(main, declared, errors);
  dag.tasks = main.tasks as TaskSpec[];
  const exit = lists[1];
  if (exit) {
    applyEdges(exit, errors);
    checkParameters(exit, declared, errors);
    dag.onExit = exit.tasks as TaskSpec[];
  }
  if (ast.onExitFailsRun !== undefined) dag.onExitFailsRun = ast.onExitFailsRun;
  if (ast.activeDeadlineSeconds !== undefined) dag.activeDeadlineSeconds = ast.activeDeadlineSeconds;
  if (ast.maxActiveRuns !== undefined) dag.maxActiveRuns = ast.maxActiveRuns;
  if (ast.priority !== undefined) dag.priority = ast.priority;
  return {
    result: errors.length > 0 ? { ok: false, errors } : { ok: true, dag, warnings },
    positions: recordPositions(ast, lists),
  };
}

/**
 * Parses Kontroler DSL text into a DagSpec with Kontroler's defaults (backoff 3, no conditional
 * retries). Never throws; every error carries `line` and `column`. A syntax error stops parsing (one
 * error); semantic errors are all reported.
 */
export function parseDsl(text: string, options: ParseDslOptions = {}): DslResult {
  return parseDslWithPositions(text, options).result;
}

/** `parseDsl`, plus where each model path of the DagSpec is in the text (for `checkDagDocument`). */
export interface DslParsed {
  readonly result: DslResult;
  /** Model path (`/tasks/0/image`) → the position of what set it; look up with `tableSourceMap`. */
  readonly positions: ReadonlyMap<string, TextPosition>;
}

/** @internal `parseDsl` with positions; loaders use it to point issues into the text. */
export function parseDslWithPositions(text: string, options: ParseDslOptions = {}): DslParsed {
  const failed = (errors: DagIssue[]): DslParsed => ({ result: { ok: false, errors }, positions: new Map() });
  try {
    if (typeof text !== 'string') {
      return failed([
        { code: 'PARSE_ERROR', path: '', message: 'DSL text must be a string', line: 1, column: 1 },
      ]);
    }
    if (utf8Length(text) > MAX_DSL_BYTES) {
      return failed([
        {
          code: 'DOCUMENT_TOO_LARGE',
          path: '',
          message: `the DSL text is larger than ${MAX_DSL_BYTES} bytes`,
          line: 1,
          column: 1,
        },
      ]);
    }
    return build(new Parser(lex(text)).file(), options.name ?? 'dag');
  } catch (error) {
    if (error instanceof DslSyntaxError) {
      return failed([
        { code: 'PARSE_ERROR', path: '', message: error.message, line: error.line, column: error.column },
      ]);
    }
    const message = error instanceof Error ? error.message : String(error);
    return failed([{ code: 'PARSE_ERROR', path: '', message, line: 1, column: 1 }]);
  }
}
