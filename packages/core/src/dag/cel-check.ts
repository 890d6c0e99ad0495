/**
 * Save-time checking of `when:` conditions (CEL, via `@bufbuild/cel`). The library parses and evaluates;
 * its type checker does not yet cover calls and selections, so this file walks the parsed expression with a
 * small type inference of its own: every reference must resolve (a declared parameter, an upstream task, a
 * declared output, a `run` field), operators must get operands they accept, and the whole condition must be
 * a bool. Outputs are JSON of any shape, so they are `dyn` and checked at run time only.
 */
import { parse } from '@bufbuild/cel';
import type { DagIssueCode } from './issues.js';
import type { RunField } from './template.js';

/** One thing wrong with a condition; `code` is INVALID_CONDITION unless a reference is at fault. */
export interface CelProblem {
  readonly code: DagIssueCode;
  readonly message: string;
}

/** What a condition may see; the caller (flow-rules) knows the DAG. */
export interface CelScope {
  /** Null when `params.NAME` may be read, else why not. */
  readonly param: (name: string) => CelProblem | null;
  /** The declared outputs of a task the condition may read, or why it may not read it. */
  readonly task: (name: string) => ReadonlySet<string> | CelProblem;
  /** Whether `run.status` / `run.failedTasks` exist (exit handlers). */
  readonly exitHandler: boolean;
  /** Whether `item` exists (forEach tasks). */
  readonly forEach: boolean;
}

type CelKind = 'bool' | 'int' | 'uint' | 'double' | 'string' | 'bytes' | 'null' | 'list' | 'map' | 'dyn';
/** Inferred types; the `*-root`/`task`/`outputs` kinds are our variables before a field is picked. */
type Inferred =
  | { readonly t: CelKind }
  | { readonly t: 'params' | 'tasks' | 'run' }
  | { readonly t: 'task'; readonly name: string; readonly outputs: ReadonlySet<string> }
  | { readonly t: 'outputs'; readonly task: string; readonly outputs: ReadonlySet<string> };

const T = (t: CelKind): Inferred => ({ t });
const DYN = T('dyn');
const BOOL = T('bool');
const NUMERIC = new Set(['int', 'uint', 'double']);
const SCALAR = new Set(['bool', 'int', 'uint', 'double', 'string', 'bytes']);
const RUN_TYPES: Readonly<Record<RunField, CelKind>> = {
  id: 'string',
  name: 'string',
  namespace: 'string',
  status: 'string',
  failedTasks: 'list',
};
const CONVERSIONS: Readonly<Record<string, CelKind>> = {
  int: 'int',
  uint: 'uint',
  double: 'double',
  string: 'string',
  bool: 'bool',
  bytes: 'bytes',
  size: 'int',
  startsWith: 'bool',
  endsWith: 'bool',
  contains: 'bool',
  matches: 'bool',
  has: 'bool',
  '@in': 'bool',
  '!_': 'bool',
  '_==_': 'bool',
  '_!=_': 'bool',
  '_<_': 'bool',
  '_<=_': 'bool',
  '_>_': 'bool',
  '_>=_': 'bool',
};

/** The parts of cel.expr.Expr the walk reads (the generated message types are deeper than we need). */
interface Expr {
  readonly exprKind:
    | { readonly case: 'constExpr'; readonly value: { readonly constantKind: { readonly case?: string } } }
    | { readonly case: 'identExpr'; readonly value: { readonly name: string } }
    | {
        readonly case: 'selectExpr';
        readonly value: { readonly operand?: Expr; readonly field: string; readonly testOnly: boolean };
      }
    | {
        readonly case: 'callExpr';
        readonly value: { readonly target?: Expr; readonly function: string; readonly args: readonly Expr[] };
      }
    | { readonly case: 'listExpr'; readonly value: { readonly elements: readonly Expr[] } }
    | { readonly case: 'structExpr'; readonly value: unknown }
    | {
        readonly case: 'comprehensionExpr';
        readonly value: {
          readonly iterVar: string;
          readonly accuVar: string;
          readonly iterRange?: Expr;
          readonly accuInit?: Expr;
          readonly loopCondition?: Expr;
          readonly loopStep?: Expr;
          readonly result?: Expr;
        };
      }
    | { readonly case: undefined; readonly value?: undefined };
}

const CONSTANTS: Readonly<Record<string, CelKind>> = {
  boolValue: 'bool',
  int64Value: 'int',
  uint64Value: 'uint',
  doubleValue: 'double',
  stringValue: 'string',
  bytesValue: 'bytes',
  nullValue: 'null',
};

/** A `kind` for messages: our variables read as the map they are. */
const VARIABLE_KINDS = new Set(['params', 'tasks', 'run', 'task', 'outputs']);
const shown = (i: Inferred): string => (VARIABLE_KINDS.has(i.t) ? 'map' : i.t);
const concrete = (i: Inferred): boolean => SCALAR.has(i.t) || i.t === 'null';

class Checker {
  readonly problems: CelProblem[] = [];
  private readonly locals: string[] = [];

  constructor(private readonly scope: CelScope) {}

  private fail(problem: string | CelProblem): Inferred {
    this.problems.push(
      typeof problem === 'string' ? { code: 'INVALID_CONDITION', message: problem } : problem,
    );
    return DYN;
  }

  /** A field (or a constant-string index) of `base`. */
  private field(base: Inferred, name: string): Inferred {
    const scope = this.scope;
    switch (base.t) {
      case 'params': {
        const why = scope.param(name);
        return why === null ? T('string') : this.fail(why);
      }
      case 'tasks': {
        const outputs = scope.task(name);
        return outputs instanceof Set ? { t: 'task', name, outputs } : this.fail(outputs as CelProblem);
      }
      case 'task':
        if (name === 'outputs') return { t: 'outputs', task: base.name, outputs: base.outputs };
        if (name === 'status') return T('string');
        return this.fail(`tasks.${base.name} has no field "${name}" (it has outputs and status)`);
      case 'outputs':
        return base.outputs.has(name)
          ? DYN
          : this.fail({
              code: 'UNDECLARED_OUTPUT',
              message: `task "${base.task}" does not declare an output "${name}"`,
            });
      case 'run': {
        const type = (RUN_TYPES as Record<string, CelKind | undefined>)[name];
        if (type === undefined) return this.fail(`run has no field "${name}"`);
        if ((name === 'status' || name === 'failedTasks') && !scope.exitHandler) {
          return this.fail(`run.${name} exists only in exit handlers (onExit)`);
        }
        return T(type);
      }
      case 'map':
      case 'dyn':
        return DYN;
      default:
        return this.fail(`cannot select field "${name}" of a ${base.t}`);
    }
  }

  infer(expr: Expr | undefined): Inferred {
    if (expr === undefined) return DYN;
    const kind = expr.exprKind;
    switch (kind.case) {
      case 'constExpr':
        return T(CONSTANTS[kind.value.constantKind.case ?? ''] ?? 'dyn');
      case 'identExpr': {
        const name = kind.value.name;
        if (this.locals.includes(name)) return DYN;
        if (name === 'params' || name === 'tasks' || name === 'run') return { t: name };
        if (name === 'item') return this.scope.forEach ? DYN : this.fail('item exists only in forEach tasks');
        return this.fail({
          code: 'UNKNOWN_REFERENCE',
          message: `unknown variable "${name}" (use params, tasks, run or item)`,
        });
      }
      case 'selectExpr': {
        const base = this.infer(kind.value.operand);
        const picked = this.field(base, kind.value.field);
        return kind.value.testOnly ? BOOL : picked;
      }
      case 'listExpr':
        for (const element of kind.value.elements) this.infer(element);
        return T('list');
      case 'structExpr':
        return T('map');
      case 'comprehensionExpr': {
        const c = kind.value;
        this.infer(c.iterRange);
        const accu = this.infer(c.accuInit);
        this.locals.push(c.iterVar, c.accuVar);
        this.infer(c.loopCondition);
        this.infer(c.loopStep);
        const result = this.infer(c.result);
        this.locals.length -= 2;
        return result.t === 'dyn' ? accu : result;
      }
      case 'callExpr':
        return this.call(kind.value.function, kind.value.target, kind.value.args);
      default:
        return DYN;
    }
  }

  private call(fn: string, target: Expr | undefined, argExprs: readonly Expr[]): Inferred {
    if (fn === '_[_]') {
      const [base, index] = argExprs;
      const b = this.infer(base);
      const k = index?.exprKind;
      if (k?.case === 'constExpr' && k.value.constantKind.case === 'stringValue') {
        const value = (k.value.constantKind as unknown as { value: string }).value;
        if (b.t === 'params' || b.t === 'tasks' || b.t === 'task' || b.t === 'outputs' || b.t === 'run') {
          return this.field(b, value);
        }
      }
      this.infer(index);
      return DYN;
    }
    // A method's receiver is checked for its references; its type does not change the result's.
    if (target !== undefined) this.infer(target);
    const args = argExprs.map((a) => this.infer(a));
    const [a, b] = args;
    switch (fn) {
      case '_&&_':
      case '_||_':
      case '!_':
        for (const arg of args) {
          if (arg.t !== 'bool' && arg.t !== 'dyn') {
            this.fail(`${fn.replace(/_/g, ' ').trim()} needs bool operands, not ${shown(arg)}`);
          }
        }
        return BOOL;
      case '_==_':
      case '_!=_':
        if (a && b && concrete(a) && concrete(b) && a.t !== b.t && a.t !== 'null' && b.t !== 'null') {
          if (!(NUMERIC.has(a.t) && NUMERIC.has(b.t))) this.fail(`cannot compare ${a.t} with ${b.t}`);
        }
        return BOOL;
      case '_<_':
      case '_<=_':
      case '_>_':
      case '_>=_':
        if (a && b && concrete(a) && concrete(b) && a.t !== b.t && !(NUMERIC.has(a.t) && NUMERIC.has(b.t))) {
          this.fail(`cannot order ${a.t} against ${b.t}`);
        }
        return BOOL;
      case '_+_':
        if (a && b && concrete(a) && concrete(b) && a.t !== b.t)
          return this.fail(`cannot add ${a.t} and ${b.t}`);
        if (a && b && a.t === b.t && (NUMERIC.has(a.t) || a.t === 'string' || a.t === 'list')) return a;
        return DYN;
      case '_-_':
      case '_*_':
      case '_/_':
      case '_%_':
      case '-_':
        for (const arg of args) {
          if (concrete(arg) && !NUMERIC.has(arg.t)) return this.fail(`arithmetic on a ${arg.t}`);
        }
        return a && (args.length === 1 || (b && a.t === b.t)) && NUMERIC.has(a.t) ? a : DYN;
      case '_?_:_': {
        const [cond, then, otherwise] = args;
        if (cond && cond.t !== 'bool' && cond.t !== 'dyn')
          this.fail(`a condition must be bool, not ${cond.t}`);
        return then && otherwise && then.t === otherwise.t ? then : DYN;
      }
      default:
        return T(CONVERSIONS[fn] ?? 'dyn');
    }
  }
}

/**
 * The problems of a `when:` condition, empty when it is sound: a syntax error, an unresolved reference, an
 * operator applied to the wrong types, or a result that is not a bool.
 */
export function checkCondition(source: string, scope: CelScope): CelProblem[] {
  let expr: Expr;
  try {
    expr = parse(source).expr as unknown as Expr;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return [{ code: 'INVALID_CONDITION', message: `syntax error ${message.replace(/^<input>:/, 'at ')}` }];
  }
  const checker = new Checker(scope);
  const result = checker.infer(expr);
  if (result.t !== 'bool' && result.t !== 'dyn' && checker.problems.length === 0) {
    checker.problems.push({
      code: 'INVALID_CONDITION',
      message: `the condition must be a bool, but it is a ${shown(result)}`,
    });
  }
  return checker.problems;
}
