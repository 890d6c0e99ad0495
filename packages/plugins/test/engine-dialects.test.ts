/**
 * The Docker dialect of the Engine API, served by a stand-in on a Unix socket: the Podman tests cover
 * Podman's answers; these pin Docker's where they differ (409 for a taken name, "Engine" as the
 * component name, pull errors inside a 200 stream).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createContainer,
  engineVersion,
  ImagePullError,
  inspectContainer,
  isNameConflict,
  pullImage,
} from '../src/container-runtime/engine-api.js';
import {
  createEngineClient,
  EngineError,
  type EngineClient,
} from '../src/container-runtime/engine-client.js';
import type { ContainerCreateBody } from '../src/container-runtime/container-spec.js';

let dir: string;
let server: http.Server;
let client: EngineClient;

const json = (response: http.ServerResponse, status: number, body: unknown) =>
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

beforeAll(async () => {
  dir = await mkdtemp(join(os.tmpdir(), 'kontroler-docker-'));
  server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://docker');
    if (url.pathname === '/version') {
      json(response, 200, {
        Version: '27.3.1',
        ApiVersion: '1.47',
        Components: [{ Name: 'Engine', Version: '27.3.1' }],
      });
    } else if (url.pathname === '/containers/missing/json') {
      json(response, 404, { message: 'No such container: missing' });
    } else if (url.pathname === '/containers/create') {
      json(response, 409, {
        message: `Conflict. The container name "/${url.searchParams.get('name')}" is already in use`,
      });
    } else if (url.pathname === '/images/create') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"status":"Pulling from team/app","id":"1.0"}\n');
      response.end(
        '{"errorDetail":{"message":"manifest for team/app:1.0 not found: manifest unknown"},"error":"manifest for team/app:1.0 not found: manifest unknown"}\n',
      );
    } else if (url.pathname === '/containers/garbled/json') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{not json');
    } else {
      json(response, 500, { message: 'unexpected' });
    }
  });
  await new Promise<void>((resolve) => server.listen(join(dir, 'docker.sock'), resolve));
  client = createEngineClient({
    kind: 'unix',
    socketPath: join(dir, 'docker.sock'),
    url: `unix://${dir}/docker.sock`,
  });
});
afterAll(async () => {
  client.close();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('the Docker dialect', () => {
  it('names Docker "Docker Engine" with its version', async () => {
    await expect(engineVersion(client)).resolves.toEqual({
      name: 'Docker Engine',
      version: '27.3.1',
      apiVersion: '1.47',
    });
  });

  it('a missing container is undefined, not an error', async () => {
    await expect(inspectContainer(client, 'missing')).resolves.toBeUndefined();
  });

  it("a taken name is a 409 that counts as a name conflict, with Docker's message", async () => {
    const error = await createContainer(client, 'taken', {} as ContainerCreateBody).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({ code: 'ENGINE_REFUSED', status: 409 });
    expect((error as Error).message).toContain('already in use');
    expect(isNameConflict(error)).toBe(true);
  });

  it('a pull error inside the 200 progress stream is an ImagePullError, not found', async () => {
    const error = await pullImage(client, 'team/app:1.0', new AbortController().signal).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImagePullError);
    expect(error).toMatchObject({ image: 'team/app:1.0', notFound: true });
    expect((error as Error).message).toBe(
      'could not pull image team/app:1.0: manifest for team/app:1.0 not found: manifest unknown',
    );
  });

  it('an answer that is not JSON is an ENGINE_REFUSED error naming the request', async () => {
    await expect(inspectContainer(client, 'garbled')).rejects.toThrow(
      'GET /containers/garbled/json: the engine answered with invalid JSON',
    );
  });
});
