/**
 * A task's `podTemplate.resources.limits` as container limits: `memory` → `HostConfig.Memory` (bytes),
 * `cpu` → `HostConfig.NanoCpus`. Kubernetes quantities (`128Mi`, `1G`, `500m`, `2`, `1e3`) are parsed as
 * the apiserver does; requests have no meaning on one machine and are ignored.
 */
import type { TaskSpec } from '@kontroler/core';

const BINARY: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** The value of a Kubernetes quantity, or null when it is not one. */
export function parseQuantity(quantity: string | number): number | null {
  if (typeof quantity === 'number') return Number.isFinite(quantity) && quantity >= 0 ? quantity : null;
  const match = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(
    quantity.trim(),
  );
  if (match === null) return null;
  const base = Number(match[1]);
  if (match[2] !== undefined) return base * 10 ** Number(match[2].slice(1));
  const suffix = match[3] ?? '';
  return base * (BINARY[suffix] ?? DECIMAL[suffix] ?? 1);
}

export interface ContainerLimits {
  readonly Memory?: number;
  readonly NanoCpus?: number;
}

/** The limits, or the field that holds something that is not a quantity. */
export function containerLimits(task: Pick<TaskSpec, 'podTemplate'>): ContainerLimits | { invalid: string } {
  const limits = task.podTemplate?.resources?.limits ?? {};
  const result: { Memory?: number; NanoCpus?: number } = {};
  for (const [name, value] of Object.entries(limits)) {
    const parsed = parseQuantity(value);
    if (name !== 'memory' && name !== 'cpu') continue;
    if (parsed === null || parsed <= 0) {
      return { invalid: `podTemplate.resources.limits.${name} is not a positive quantity: "${value}"` };
    }
    if (name === 'memory') result.Memory = Math.ceil(parsed);
    else result.NanoCpus = Math.round(parsed * 1e9);
  }
  return result;
}
