/**
 * The Docker Engine API operations the container runtime uses, one function each, typed by the fields we
 * read. Docker and Podman differ in places; the differences handled here are noted where they are.
 */
import type { IncomingMessage } from 'node:http';
import type { ContainerCreateBody } from './container-spec.js';
import { EngineError, type EngineClient } from './engine-client.js';

/** Requests that should answer at once (everything but waits, follows and pulls). */
const QUICK_MS = 30_000;

export interface ContainerState {
  readonly Status: string;
  readonly Running: boolean;
  readonly OOMKilled: boolean;
  readonly ExitCode: number;
  readonly Error?: string;
  readonly StartedAt?: string;
  readonly FinishedAt?: string;
}

export interface ContainerInspect {
  readonly Id: string;
  readonly State: ContainerState;
  readonly Config?: { readonly Labels?: Record<string, string> | null };
}

export interface ContainerSummary {
  readonly Id: string;
  readonly Names?: string[];
  readonly State?: string;
  readonly Labels?: Record<string, string> | null;
}

export interface EngineVersion {
  /** `Docker Engine - Community`, `Podman Engine`… */
  readonly name: string;
  readonly version: string;
  readonly apiVersion: string;
}

const path = encodeURIComponent;

/** The container, or undefined when there is none of that name. */
export async function inspectContainer(
  client: EngineClient,
  name: string,
): Promise<ContainerInspect | undefined> {
  try {
    return (
      await client.json<ContainerInspect>({
        method: 'GET',
        path: `/containers/${path(name)}/json`,
        timeoutMs: QUICK_MS,
      })
    ).body;
  } catch (error) {
    if (EngineError.is(error, 404)) return undefined;
    throw error;
  }
}

/** Docker answers a taken name with 409; Podman with 500 and "already in use". */
export function isNameConflict(error: unknown): boolean {
  return (
    error instanceof EngineError &&
    (error.status === 409 || (error.status === 500 && /already in use/i.test(error.message)))
  );
}

export async function createContainer(
  client: EngineClient,
  name: string,
  body: ContainerCreateBody,
): Promise<string> {
  const response = await client.json<{ Id: string }>({
    method: 'POST',
    path: `/containers/create?name=${path(name)}`,
    body,
    timeoutMs: QUICK_MS,
  });
  return response.body.Id;
}

/** Starts a created container; an already running one is fine (Docker answers 304). */
export async function startContainer(client: EngineClient, id: string): Promise<void> {
  await client.json({ method: 'POST', path: `/containers/${path(id)}/start`, timeoutMs: QUICK_MS });
}

/** Resolves with the exit code once the container is not running. */
export async function waitContainer(client: EngineClient, id: string, signal: AbortSignal): Promise<number> {
  const response = await client.json<{ StatusCode: number }>({
    method: 'POST',
    path: `/containers/${path(id)}/wait?condition=not-running`,
    signal,
  });
  return response.body.StatusCode;
}

/** SIGTERM (or the image's stop signal), then SIGKILL after `graceSeconds`; resolves once stopped. */
export async function stopContainer(client: EngineClient, id: string, graceSeconds: number): Promise<void> {
  try {
    await client.json({
      method: 'POST',
      path: `/containers/${path(id)}/stop?t=${graceSeconds}`,
      timeoutMs: QUICK_MS + graceSeconds * 1000,
    });
  } catch (error) {
    // Already stopped (304 is not an error status) or gone: either way it no longer runs.
    if (EngineError.is(error, 404)) return;
    throw error;
  }
}

/** Removes the container whatever its state; a missing one is fine. */
export async function removeContainer(client: EngineClient, id: string): Promise<void> {
  try {
    await client.json({
      method: 'DELETE',
      path: `/containers/${path(id)}?force=true&v=true`,
      timeoutMs: QUICK_MS,
    });
  } catch (error) {
    // Gone already, or a removal of the same container already in progress (Docker's 409).
    if (EngineError.is(error, 404) || EngineError.is(error, 409)) return;
    throw error;
  }
}

/** Removes a volume; a missing one is fine. */
export async function removeVolume(client: EngineClient, name: string): Promise<void> {
  try {
    await client.json({ method: 'DELETE', path: `/volumes/${path(name)}`, timeoutMs: QUICK_MS });
  } catch (error) {
    if (EngineError.is(error, 404)) return;
    throw error;
  }
}

/** Containers in any state carrying every one of `labels` (`key=value`). */
export async function listContainers(
  client: EngineClient,
  labels: readonly string[],
): Promise<ContainerSummary[]> {
  const filters = path(JSON.stringify({ label: labels }));
  const response = await client.json<ContainerSummary[]>({
    method: 'GET',
    path: `/containers/json?all=true&filters=${filters}`,
    timeoutMs: QUICK_MS,
  });
  return response.body ?? [];
}

/** The container's log: stdout and stderr multiplexed, with timestamps; `follow` streams until it ends. */
export function containerLogs(
  client: EngineClient,
  id: string,
  options: { follow: boolean; signal: AbortSignal },
): Promise<IncomingMessage> {
  return client.stream({
    method: 'GET',
    path: `/containers/${path(id)}/logs?stdout=true&stderr=true&timestamps=true&follow=${options.follow}`,
    signal: options.signal,
  });
}

export async function imageExists(client: EngineClient, image: string): Promise<boolean> {
  try {
    await client.json({ method: 'GET', path: `/images/${path(image)}/json`, timeoutMs: QUICK_MS });
    return true;
  } catch (error) {
    if (EngineError.is(error, 404)) return false;
    throw error;
  }
}

/** `fromImage` and `tag` for a reference; without a tag Docker would pull every tag of the repository. */
export function pullQuery(image: string): string {
  if (image.includes('@')) return `fromImage=${path(image)}`;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  if (colon > slash) {
    return `fromImage=${path(image.slice(0, colon))}&tag=${path(image.slice(colon + 1))}`;
  }
  return `fromImage=${path(image)}&tag=latest`;
}

/** Why a pull failed; `notFound` when the image does not exist (or may not be read), which retrying cannot fix. */
export class ImagePullError extends Error {
  override readonly name = 'ImagePullError';
  constructor(
    readonly image: string,
    readonly detail: string,
    readonly notFound: boolean,
  ) {
    super(`could not pull image ${image}: ${detail}`);
  }
}

const NOT_FOUND =
  /manifest unknown|not found|does not exist|name unknown|pull access denied|requested access to the resource is denied|no such image/i;

/**
 * Pulls an image. The engine answers 200 and reports progress as JSON lines; a failure arrives as a line
 * with `error` (Docker and Podman alike), or as an error status before the stream starts.
 */
export async function pullImage(client: EngineClient, image: string, signal: AbortSignal): Promise<void> {
  let response: IncomingMessage;
  try {
    response = await client.stream({ method: 'POST', path: `/images/create?${pullQuery(image)}`, signal });
  } catch (error) {
    if (error instanceof EngineError && error.status !== null) {
      throw new ImagePullError(image, error.message, error.status === 404 || NOT_FOUND.test(error.message));
    }
    throw error;
  }
  let failure: string | undefined;
  let rest = '';
  for await (const chunk of response as AsyncIterable<Buffer>) {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) failure ??= pullError(line);
  }
  failure ??= pullError(rest);
  if (failure !== undefined) throw new ImagePullError(image, failure, NOT_FOUND.test(failure));
}

function pullError(line: string): string | undefined {
  if (line.trim() === '') return undefined;
  try {
    const message = JSON.parse(line) as { error?: unknown; errorDetail?: { message?: unknown } };
    if (typeof message.error === 'string') return message.error;
    if (typeof message.errorDetail?.message === 'string') return message.errorDetail.message;
  } catch {
    // a progress line we cannot read is not an error
  }
  return undefined;
}

/** The engine's name and version (`GET /version`), for the start-up line and the probe. */
export async function engineVersion(client: EngineClient, timeoutMs = QUICK_MS): Promise<EngineVersion> {
  const response = await client.json<{
    Version?: string;
    ApiVersion?: string;
    Components?: Array<{ Name?: string; Version?: string }>;
  }>({ method: 'GET', path: '/version', timeoutMs });
  const body = response.body ?? {};
  const component = body.Components?.find((c) => /engine/i.test(c.Name ?? ''));
  // Docker calls its component just "Engine"; Podman says "Podman Engine".
  const name =
    component?.Name === undefined || component.Name === 'Engine' ? 'Docker Engine' : component.Name;
  return {
    name,
    version: component?.Version ?? body.Version ?? 'unknown',
    apiVersion: body.ApiVersion ?? 'unknown',
  };
}
