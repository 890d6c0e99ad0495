/**
 * The pure mapping from a task attempt to the container that runs it, mirroring the pod runtime's rules
 * (packages/k8s-runtime/src/pod-spec.ts): `command` replaces the image's entrypoint and `args` its command,
 * a `script` runs through `sh -c`, parameters become environment variables named as the parameter. The
 * name comes from the attempt id alone, so an engine that starts the attempt again finds the container
 * that already runs it instead of starting a twin.
 */
import { createHash } from 'node:crypto';
import type { AttemptContext } from '@kontroler/core';
import type { ContainerLimits } from './resources.js';

/** Label keys on every container, the same keys the pod runtime puts on pods where they apply. */
export const CONTAINER_LABELS = {
  /** Which engine instance owns the container; its start-up sweep only looks at its own. */
  engine: 'kontroler.greedykomodo/engine',
  attemptId: 'kontroler.greedykomodo/attempt-id',
  run: 'kontroler.greedykomodo/run',
  dag: 'kontroler.greedykomodo/dag',
  version: 'kontroler.greedykomodo/version',
  task: 'kontroler.greedykomodo/task',
  attempt: 'kontroler.greedykomodo/attempt',
} as const;

/** The body of `POST /containers/create` (the fields we set). */
export interface ContainerCreateBody {
  readonly Image: string;
  readonly Entrypoint?: string[];
  readonly Cmd?: string[];
  readonly Env: string[];
  readonly Labels: Record<string, string>;
  readonly Tty: false;
  readonly OpenStdin: false;
  readonly AttachStdin: false;
  readonly HostConfig: ContainerLimits & {
    readonly AutoRemove: false;
    readonly Mounts?: ReadonlyArray<{
      readonly Type: 'volume';
      readonly Source: string;
      readonly Target: string;
    }>;
  };
}

/** A run's shared workspace: a named volume the engine creates on first use, mounted in every task. */
export interface WorkspaceMount {
  readonly volume: string;
  readonly mountPath: string;
}

/** Docker's container name rule: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`. */
function nameSegment(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
}

/**
 * `<instance>-<attempt id>`; an id that needed cleaning keeps a hash of the original so that two ids
 * that clean to the same text still get different names.
 */
export function containerNameFor(instance: string, attemptId: string): string {
  const clean = nameSegment(attemptId);
  const head = nameSegment(instance) || 'kontroler';
  if (clean === attemptId && clean.length <= 100) return `${head}-${clean}`;
  const hash = createHash('sha256').update(attemptId).digest('hex').slice(0, 12);
  return `${head}-${clean.slice(0, 80)}-${hash}`.replace(/-+/g, '-');
}

/** The name of a run's workspace volume: `<instance>-ws-<run id>`. */
export function workspaceVolumeName(instance: string, runId: string): string {
  return containerNameFor(`${instance}-ws`, runId);
}

/** The labels of an attempt's container. */
export function containerLabels(instance: string, ctx: AttemptContext): Record<string, string> {
  return {
    [CONTAINER_LABELS.engine]: instance,
    [CONTAINER_LABELS.attemptId]: ctx.attemptId,
    [CONTAINER_LABELS.run]: ctx.runId,
    [CONTAINER_LABELS.dag]: ctx.dagName,
    [CONTAINER_LABELS.version]: String(ctx.dagVersion),
    [CONTAINER_LABELS.task]: ctx.taskName,
    [CONTAINER_LABELS.attempt]: String(ctx.attempt),
  };
}

export interface ContainerSpecInput {
  readonly ctx: AttemptContext;
  readonly image: string;
  readonly instance: string;
  /** Environment in order of precedence, lowest first (later keys win). */
  readonly env: ReadonlyArray<Readonly<Record<string, string>>>;
  /** Set when the DAG enables a workspace. */
  readonly workspace?: WorkspaceMount | undefined;
  /** From `podTemplate.resources.limits`. */
  readonly limits?: ContainerLimits | undefined;
}

/** The create request for one attempt. */
export function buildContainer(input: ContainerSpecInput): ContainerCreateBody {
  const { script, command, args } = input.ctx.task.spec;
  const env: Record<string, string> = Object.assign({}, ...input.env) as Record<string, string>;
  const process: Pick<ContainerCreateBody, 'Entrypoint' | 'Cmd'> =
    script !== undefined
      ? // Like the pod runtime: the image must have a shell.
        { Entrypoint: ['sh', '-c', script], Cmd: [] }
      : command !== undefined && command.length > 0
        ? // A command replaces the image's entrypoint and, as in Kubernetes, its default arguments too.
          { Entrypoint: [...command], Cmd: [...(args ?? [])] }
        : args !== undefined
          ? { Cmd: [...args] }
          : {};
  return {
    Image: input.image,
    ...process,
    Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
    Labels: containerLabels(input.instance, input.ctx),
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    HostConfig: {
      ...input.limits,
      AutoRemove: false,
      ...(input.workspace
        ? { Mounts: [{ Type: 'volume', Source: input.workspace.volume, Target: input.workspace.mountPath }] }
        : {}),
    },
  };
}
