/**
 * Shared test helpers: connect to the globalSetup's control plane with this file's own simulated node, and
 * wait for apiserver state with a deadline (polling is fine for apiserver state; never a bare sleep).
 */
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { connectControlPlane, type ControlPlane } from '@kontroler/k8s-runtime/testing';

/** `describe` that runs with a control plane, or is skipped locally (one-line reason) when binaries are missing. */
export function describeK8s(name: string, body: (plane: () => ControlPlane) => void): void {
  const connection = inject('k8s');
  const skipReason = inject('k8sSkipReason');
  if (!connection) {
    describe.skip(`${name} (skipped: ${skipReason})`, () => {
      it('needs a real kube-apiserver', () => {});
    });
    return;
  }
  describe(name, () => {
    let plane: ControlPlane | undefined;
    beforeAll(async () => {
      plane = await connectControlPlane(connection);
    });
    afterAll(async () => {
      await plane?.stop();
    });
    body(() => {
      if (!plane) throw new Error('control plane not connected');
      return plane;
    });
  });
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
