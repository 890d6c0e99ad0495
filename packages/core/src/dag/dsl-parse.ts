/**
 * A recursive-descent parser for the Kontroler DSL (kontroler-compat.md §3), accepting a compatible
 * superset: chained edges (`a -> b -> c`), groups on either side (`{a, b} -> c`), quoted task names,
 * `param "name" { default "v" secret "s" }`, and `"""…"""` wherever a string goes.
 *
 * It reports what Kontroler's DSL validator does (edge ends that are not tasks — Kontroler drops
 * unknown targets silently, we report them — parameters with both or neither default, undeclared
 * parameters) plus duplicate tasks and self-edges, all with line and column. Graph rules the DSL
 * shares with YAML (cycles, names, cron) are left to `validateDag`.
 */
import type { DagIssue } from './issues.js';
import type { DagSpec, ParameterSpec, RetryPolicy, TaskSpec } from './schema.js';
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
}

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

interface Ast {
  schedule?: string;
  scheduleAt?: Token;
  /** The `graph` keyword: where problems of the graph as a whole (no root task) are shown. */
  graphAt?: Token;
  parameters?: ParamDef[];
  edges: Edge[];
  tasks: TaskDef[];
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
    const ast: Ast = { edges: [], tasks: [] };
    for (let token = this.peek(); token.kind !== 'eof'; token = this.peek()) {
      if (token.kind !== 'ident') this.fail('"schedule", "parameters", "graph" or "task"');
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
        default:
          this.fail('"schedule", "parameters", "graph" or "task"');
      }
    }
    return ast;
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
    const task: TaskDef = { name: at.text, at, fields: new Map() };
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
        default:
          this.fail('image, command, args, script, parameters, retry, backoff, retryPolicy or "}"', field);
      }
    }
    this.next();
    return task;
  }
}

const at = (token: Token) => ({ line: token.line, column: token.column });

/** Records where each model path came from in the DSL text. */
function recordPositions(ast: Ast, index: ReadonlyMap<string, number>, tasks: readonly TaskSpec[]) {
  const positions = new Map<string, TextPosition>();
  if (ast.scheduleAt) positions.set('/schedule', at(ast.scheduleAt));
  const first = ast.graphAt ?? ast.tasks[0]?.at;
  if (first) positions.set('/tasks', at(first));
  ast.parameters?.forEach((param, i) => {
    positions.set(pointer('parameters', i), at(param.at));
    positions.set(pointer('parameters', i, 'name'), at(param.at));
    for (const [field, token] of param.fields) positions.set(pointer('parameters', i, field), at(token));
  });
  for (const def of ast.tasks) {
    const i = index.get(def.name);
    // A duplicate definition is reported on its own; the positions are the first one's.
    if (i === undefined || tasks[i]?.name !== def.name || positions.has(pointer('tasks', i))) continue;
    positions.set(pointer('tasks', i), at(def.at));
    positions.set(pointer('tasks', i, 'name'), at(def.at));
    for (const [field, token] of def.fields) positions.set(pointer('tasks', i, field), at(token));
    def.parameters?.forEach((token, p) => positions.set(pointer('tasks', i, 'parameters', p), at(token)));
  }
  for (const { from, to } of ast.edges) {
    const target = index.get(to.text);
    const runAfter = target === undefined ? undefined : tasks[target]?.runAfter;
    const k = runAfter?.indexOf(from.text) ?? -1;
    if (k === -1) continue;
    const key = pointer('tasks', target as number, 'runAfter', k);
    if (!positions.has(key)) positions.set(key, at(from));
    if (!positions.has(pointer('tasks', target as number, 'runAfter')))
      positions.set(pointer('tasks', target as number, 'runAfter'), at(from));
  }
  return positions;
}

/** Turns the syntax tree into a DagSpec, collecting the semantic errors and warnings. */
function build(ast: Ast, name: string): DslParsed {
  const errors: DagIssue[] = [];
  const warnings: DagIssue[] = [];
  const index = new Map<string, number>();
  const tasks: TaskSpec[] = [];
  ast.tasks.forEach((def) => {
    if (index.has(def.name)) {
      errors.push({
        code: 'DUPLICATE_TASK',
        path: '',
        task: def.name,
        message: `task "${def.name}" is defined more than once`,
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
          path: pointer('tasks', i, 'command'),
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
    tasks.push(task);
  });
  for (const { from, to } of ast.edges) {
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
        message: `edge ${end} "${token.text}" is not a defined task`,
        ...at(token),
      });
    }
    if (target === undefined || !index.has(from.text)) continue;
    const task = tasks[target] as TaskSpec;
    if (from.text === to.text) {
      errors.push({
        code: 'SELF_DEPENDENCY',
        path: pointer('tasks', target, 'runAfter'),
        task: to.text,
        message: `task "${to.text}" runs after itself`,
        ...at(from),
      });
      continue;
    }
    task.runAfter ??= [];
    if (!task.runAfter.includes(from.text)) task.runAfter.push(from.text);
  }
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
  for (const def of ast.tasks) {
    const i = index.get(def.name);
    (def.parameters ?? []).forEach((token, p) => {
      if (declared.has(token.text)) return;
      errors.push({
        code: 'UNDECLARED_PARAMETER',
        path: i === undefined ? '' : pointer('tasks', i, 'parameters', p),
        task: def.name,
        message: `task "${def.name}" uses parameter "${token.text}", which is not declared`,
        ...at(token),
      });
    });
  }
  dag.tasks = tasks;
  return {
    result: errors.length > 0 ? { ok: false, errors } : { ok: true, dag, warnings },
    positions: recordPositions(ast, index, tasks),
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
