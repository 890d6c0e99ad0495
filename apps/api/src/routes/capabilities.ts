/**
 * What the worker behind this API can do, and the warnings that follow from it for a DAG (a process
 * runtime ignores images). One helper, so that saves, validations, run details and `GET /api/v1/info` agree.
 */
import { runtimeWarnings, type DagIssue, type DagSpec, type RuntimeCapabilities } from '@kontroler/core';
import type { AppDeps } from '../types.js';
import type { ApiContext, Handlers } from './context.js';

/** A host that says nothing runs images (the controller's pod runtime): no warnings. */
export const DEFAULT_CAPABILITIES: RuntimeCapabilities = { runtime: 'kubernetes', runsImages: true };

export function capabilitiesOf(deps: AppDeps): RuntimeCapabilities {
  return deps.runtime ?? DEFAULT_CAPABILITIES;
}

/** The warnings `spec` gets on this host (`IMAGE_IGNORED` per task whose image the runtime ignores). */
export function hostWarnings(deps: AppDeps, spec: Pick<DagSpec, 'tasks'>): DagIssue[] {
  return runtimeWarnings(spec, capabilitiesOf(deps));
}

export function infoHandlers(ctx: ApiContext): Handlers {
  return {
    getServerInfo(_req, res) {
      const { runtime, runsImages } = capabilitiesOf(ctx.deps);
      res.json({
        runtime: { name: runtime, runsImages },
        secrets: { managed: ctx.deps.secrets !== undefined },
      });
    },
  };
}
