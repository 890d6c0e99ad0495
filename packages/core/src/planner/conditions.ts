/**
 * Evaluating `when:` conditions (CEL, `@bufbuild/cel`) at plan time. Deterministic and side-effect free, so
 * the planner stays pure; each distinct expression is parsed and planned once.
 */
import { celEnv, isCelError, parse, plan as celPlan } from '@bufbuild/cel';

/** What a condition sees (docs/flow/conditions.md). Outputs are JSON values. */
export interface ConditionInput {
  readonly params: Readonly<Record<string, string>>;
  readonly run: Readonly<Record<string, unknown>>;
  readonly tasks: Readonly<
    Record<string, { readonly status: string; readonly outputs: Readonly<Record<string, unknown>> }>
  >;
  readonly item?: unknown;
}

export type ConditionResult =
  { readonly ok: true; readonly value: boolean } | { readonly ok: false; readonly error: string };

type Program = (input: Record<string, unknown>) => unknown;
const env = celEnv();
const programs = new Map<string, Program | string>();

function programOf(source: string): Program | string {
  let program = programs.get(source);
  if (program !== undefined) return program;
  try {
    program = celPlan(env, parse(source)) as unknown as Program;
  } catch (error) {
    program = error instanceof Error ? error.message : String(error);
  }
  // Bounded: DAG documents hold few distinct conditions, but a long-lived engine sees many versions.
  if (programs.size > 10_000) programs.clear();
  programs.set(source, program);
  return program;
}

/** Evaluates `source`; a result that is not a bool is an error, as is any CEL evaluation error. */
export function evaluateCondition(source: string, input: ConditionInput): ConditionResult {
  const program = programOf(source);
  if (typeof program === 'string') return { ok: false, error: program };
  let value: unknown;
  try {
    value = program({ ...input, item: input.item ?? null });
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  if (isCelError(value)) return { ok: false, error: value.message };
  if (typeof value !== 'boolean')
    return { ok: false, error: `the condition gave ${typeof value}, not a bool` };
  return { ok: true, value };
}
