import { describe, expect, it } from 'vitest';
import { resumeFilter } from '../src/container-runtime/container-logs.js';
import {
  buildContainer,
  containerNameFor,
  CONTAINER_LABELS,
} from '../src/container-runtime/container-spec.js';
import { engineAddresses } from '../src/container-runtime/discovery.js';
import { isNameConflict, pullQuery } from '../src/container-runtime/engine-api.js';
import { EngineError, parseEngineAddress } from '../src/container-runtime/engine-client.js';
import { containerLimits, parseQuantity } from '../src/container-runtime/resources.js';
import { FrameDemuxer, splitTimestamp, type FrameStream } from '../src/container-runtime/frames.js';
import { attemptOf } from './helpers.js';

function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('FrameDemuxer', () => {
  it('splits Docker frames that arrive cut at any byte and merged in one chunk', () => {
    const bytes = Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err ü\n'), frame(1, ''), frame(3, 'boom')]);
    for (let cut = 0; cut <= bytes.length; cut += 1) {
      const seen: Array<[FrameStream, string]> = [];
      const demuxer = new FrameDemuxer((stream, payload) => seen.push([stream, payload.toString('utf8')]));
      demuxer.push(bytes.subarray(0, cut));
      demuxer.push(bytes.subarray(cut));
      expect(seen).toEqual([
        ['stdout', 'out 1\n'],
        ['stderr', 'err ü\n'],
        ['stdout', ''],
        ['system', 'boom'],
      ]);
      expect(demuxer.leftover).toBe(0);
    }
  });

  it('keeps an incomplete frame until the rest arrives', () => {
    const seen: string[] = [];
    const demuxer = new FrameDemuxer((_, payload) => seen.push(payload.toString()));
    const whole = frame(1, 'hello\n');
    for (const byte of whole.subarray(0, whole.length - 1)) demuxer.push(Buffer.from([byte]));
    expect(seen).toEqual([]);
    expect(demuxer.leftover).toBe(whole.length - 1);
    demuxer.push(whole.subarray(whole.length - 1));
    expect(seen).toEqual(['hello\n']);
  });
});

describe('splitTimestamp', () => {
  it('takes the engine time off a payload, truncated to milliseconds', () => {
    const { ts, rest } = splitTimestamp(Buffer.from('2026-12-06T07:55:37.777739614Z out\n'));
    expect(ts).toBe(Date.parse('2026-12-06T07:55:37.777Z'));
    expect(rest.toString()).toBe('out\n');
  });

  it('reads offsets and whole seconds, and leaves a payload without a time alone', () => {
    expect(splitTimestamp(Buffer.from('2026-12-06T08:00:00+01:00 x')).ts).toBe(
      Date.parse('2026-12-06T07:00:00Z'),
    );
    const plain = splitTimestamp(Buffer.from('no time here'));
    expect(plain).toEqual({ ts: null, rest: Buffer.from('no time here') });
  });
});

describe('resumeFilter', () => {
  it('skips lines before the resume time and the stored lines at it', () => {
    const keep = resumeFilter({ afterTs: 100, atTs: 2 });
    expect([99, 100, 100, 100, 101].map(keep)).toEqual([false, false, false, true, true]);
    expect([1, 2].map(resumeFilter(undefined))).toEqual([true, true]);
  });
});

describe('container spec', () => {
  const instance = 'kontroler';

  it('runs a script through sh -c, as the pod runtime does', () => {
    const a = attemptOf({ name: 'build', image: 'alpine:3.20', script: 'echo hi' }, { attemptId: 'a-1' });
    const body = buildContainer({ ctx: a.ctx, image: 'alpine:3.20', instance, env: [] });
    expect(body).toMatchObject({
      Image: 'alpine:3.20',
      Entrypoint: ['sh', '-c', 'echo hi'],
      Cmd: [],
      Tty: false,
    });
  });

  it('maps command to the entrypoint and args to the command, as Kubernetes does', () => {
    const both = attemptOf({ name: 't', command: ['/bin/run'], args: ['--fast'] });
    expect(buildContainer({ ctx: both.ctx, image: 'i', instance, env: [] })).toMatchObject({
      Entrypoint: ['/bin/run'],
      Cmd: ['--fast'],
    });
    const argsOnly = buildContainer({
      ctx: attemptOf({ name: 't', args: ['x'] }).ctx,
      image: 'i',
      instance,
      env: [],
    });
    expect(argsOnly.Entrypoint).toBeUndefined();
    expect(argsOnly.Cmd).toEqual(['x']);
    const neither = buildContainer({ ctx: attemptOf({ name: 't' }).ctx, image: 'i', instance, env: [] });
    expect(neither.Entrypoint).toBeUndefined();
    expect(neither.Cmd).toBeUndefined();
  });

  it('later environment layers win, and every label names the attempt', () => {
    const a = attemptOf({ name: 'env', script: 'true' }, { attemptId: 'att', runId: 'run' });
    const body = buildContainer({ ctx: a.ctx, image: 'i', instance, env: [{ A: '1', B: '1' }, { B: '2' }] });
    expect(body.Env).toEqual(['A=1', 'B=2']);
    expect(body.Labels).toMatchObject({
      [CONTAINER_LABELS.engine]: instance,
      [CONTAINER_LABELS.attemptId]: 'att',
      [CONTAINER_LABELS.run]: 'run',
      [CONTAINER_LABELS.task]: 'env',
      [CONTAINER_LABELS.attempt]: '1',
    });
  });

  it('names a container from its attempt id alone, deterministically and validly', () => {
    expect(containerNameFor('kontroler', '3f2c-9a')).toBe('kontroler-3f2c-9a');
    const odd = containerNameFor('kontroler', 'run/task#1');
    expect(odd).toMatch(/^kontroler-run-task-1-[0-9a-f]{12}$/);
    expect(containerNameFor('kontroler', 'run/task#1')).toBe(odd);
    expect(containerNameFor('kontroler', 'run:task#1')).not.toBe(odd);
  });
});

describe('engine addresses', () => {
  it('parses DOCKER_HOST forms and refuses the ones it cannot use', () => {
    expect(parseEngineAddress('unix:///run/podman/podman.sock')).toMatchObject({
      kind: 'unix',
      socketPath: '/run/podman/podman.sock',
    });
    expect(parseEngineAddress('tcp://10.0.0.5:2376')).toMatchObject({
      kind: 'tcp',
      host: '10.0.0.5',
      port: 2376,
    });
    expect(parseEngineAddress('/var/run/docker.sock').url).toBe('unix:///var/run/docker.sock');
    expect(() => parseEngineAddress('ssh://me@host')).toThrow(/unix:\/\/ and tcp:\/\//);
    expect(() => parseEngineAddress('not a url')).toThrow(/DOCKER_HOST/);
  });

  it('tries DOCKER_HOST alone when set, else the default sockets in order', () => {
    expect(engineAddresses({ dockerHost: 'tcp://h:1' }).map((a) => a.url)).toEqual(['tcp://h:1']);
    expect(engineAddresses({ xdgRuntimeDir: '/run/user/1000' }).map((a) => a.url)).toEqual([
      'unix:///var/run/docker.sock',
      'unix:///run/user/1000/podman/podman.sock',
      'unix:///run/podman/podman.sock',
    ]);
  });

  it('pulls one tag, never every tag of a repository', () => {
    expect(pullQuery('busybox')).toBe('fromImage=busybox&tag=latest');
    expect(pullQuery('localhost:5000/team/app:1.2')).toBe('fromImage=localhost%3A5000%2Fteam%2Fapp&tag=1.2');
    expect(pullQuery('localhost:5000/app')).toBe('fromImage=localhost%3A5000%2Fapp&tag=latest');
    expect(pullQuery('app@sha256:abc')).toBe('fromImage=app%40sha256%3Aabc');
  });

  it('knows a taken name in both dialects: Docker 409, Podman 500 "already in use"', () => {
    expect(isNameConflict(new EngineError('ENGINE_REFUSED', 'Conflict', 409))).toBe(true);
    expect(
      isNameConflict(new EngineError('ENGINE_REFUSED', 'the container name "x" is already in use', 500)),
    ).toBe(true);
    expect(isNameConflict(new EngineError('ENGINE_REFUSED', 'no space left', 500))).toBe(false);
  });
});

describe('resource limits', () => {
  it('parses Kubernetes quantities', () => {
    expect(parseQuantity('128Mi')).toBe(128 * 2 ** 20);
    expect(parseQuantity('1G')).toBe(1e9);
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('1.5')).toBe(1.5);
    expect(parseQuantity('2e3')).toBe(2000);
    expect(parseQuantity(3)).toBe(3);
    expect(parseQuantity('12 apples')).toBeNull();
    expect(parseQuantity('-1')).toBeNull();
  });

  it('maps memory and cpu limits, ignores requests, and names a bad field', () => {
    const task = (limits: Record<string, string | number>) => ({
      podTemplate: { resources: { limits, requests: { memory: '1Ti' } } },
    });
    expect(containerLimits(task({ memory: '64Mi', cpu: '250m' }))).toEqual({
      Memory: 64 * 2 ** 20,
      NanoCpus: 250_000_000,
    });
    expect(containerLimits({})).toEqual({});
    expect(containerLimits(task({ memory: 'lots' }))).toEqual({
      invalid: 'podTemplate.resources.limits.memory is not a positive quantity: "lots"',
    });
  });
});
