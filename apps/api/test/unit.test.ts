/** The pure parts: roles and grants, problem mapping, password hashing, token formats, config, diff, ranges. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Errors } from '@kontroler/core';
import {
  hashPassword,
  isApiTokenFormat,
  newApiToken,
  newRefreshToken,
  randomPassword,
  sha256,
  verifyPassword,
} from '../src/auth/crypto.js';
import { createRateLimiter } from '../src/auth/rate-limit.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { ApiError, toProblem } from '../src/problem.js';
import { hasRole, highestRole, namespacesWith, narrowGrants, parseRoleClaim } from '../src/rbac/grants.js';
import { diffValues, unifiedDiff } from '../src/routes/dags/diff.js';
import { parseRange } from '../src/routes/runs.js';
import type { Principal } from '../src/types.js';

const who = (grants: Principal['grants']): Principal => ({
  kind: 'user',
  userId: 'u',
  username: 'u',
  grants,
  mustChangePassword: false,
});

describe('grants', () => {
  it('orders roles admin > editor > viewer and scopes them by namespace', () => {
    const p = who([{ role: 'editor', namespace: 'team-a' }]);
    expect(hasRole(p, 'viewer', 'team-a')).toBe(true);
    expect(hasRole(p, 'editor', 'team-a')).toBe(true);
    expect(hasRole(p, 'admin', 'team-a')).toBe(false);
    expect(hasRole(p, 'viewer', 'team-b')).toBe(false);
    expect(hasRole(p, 'editor')).toBe(true);
    expect(hasRole(p, 'viewer', null)).toBe(false);
    expect(hasRole(who([{ role: 'viewer', namespace: null }]), 'viewer', 'anything')).toBe(true);
  });

  it('lists visible namespaces, null meaning all', () => {
    expect(namespacesWith(who([{ role: 'viewer', namespace: null }]), 'viewer')).toBeNull();
    expect(
      namespacesWith(
        who([
          { role: 'viewer', namespace: 'b' },
          { role: 'editor', namespace: 'a' },
        ]),
        'editor',
      ),
    ).toEqual(['a']);
  });

  it('never lets a token exceed its owner', () => {
    const owner = [
      { role: 'editor' as const, namespace: null },
      { role: 'admin' as const, namespace: 'ops' },
    ];
    expect(narrowGrants(owner, { role: 'viewer', namespace: null })).toEqual([
      { role: 'viewer', namespace: null },
      { role: 'viewer', namespace: 'ops' },
    ]);
    expect(narrowGrants(owner, { role: 'admin', namespace: 'dev' })).toEqual([
      { role: 'editor', namespace: 'dev' },
    ]);
    expect(highestRole(owner, 'ops')).toBe('admin');
    expect(highestRole(owner, null)).toBe('editor');
  });

  it('parses role claims', () => {
    expect(parseRoleClaim('admin')).toEqual({ role: 'admin', namespace: null });
    expect(parseRoleClaim('viewer:team-a')).toEqual({ role: 'viewer', namespace: 'team-a' });
    expect(parseRoleClaim('root')).toBeUndefined();
    expect(parseRoleClaim('viewer:')).toBeUndefined();
    expect(parseRoleClaim('viewer:a:b')).toBeUndefined();
  });
});

describe('problems', () => {
  it('maps DAG_INVALID to 422 with the issues', () => {
    const p = toProblem(
      Errors.dagInvalid([
        { code: 'CYCLE', path: '/tasks/1/runAfter/0', task: 'b', message: 'cycle a → b → a' },
      ]),
    );
    expect(p.status).toBe(422);
    expect(p.type).toBe('https://kontroler.dev/problems/dag-invalid');
    expect(p.errors).toEqual([
      { path: '/tasks/1/runAfter/0', message: 'cycle a → b → a', code: 'CYCLE', task: 'b' },
    ]);
  });

  it('maps not-found, conflict and parameter codes', () => {
    expect(toProblem(Errors.dagNotFound('x')).status).toBe(404);
    expect(toProblem(Errors.runNotFound('x')).status).toBe(404);
    expect(toProblem(Errors.runFinished('x', 'failed')).status).toBe(409);
    expect(toProblem(Errors.runNotRetryable('x', 'running')).status).toBe(409);
    expect(toProblem(Errors.conflict('run', 'x')).status).toBe(409);
    const param = toProblem(Errors.parameterInvalid('region', 'unknown', 'unknown parameter'));
    expect(param.status).toBe(422);
    expect(param.errors?.[0]?.path).toBe('/parameters/region');
  });

  it('maps body-parser errors to 400, 413 and 415', () => {
    expect(toProblem({ status: 400, type: 'entity.parse.failed' }).code).toBe('MALFORMED_JSON');
    expect(toProblem({ status: 413, type: 'entity.too.large' }).status).toBe(413);
    expect(toProblem({ status: 415, type: 'charset.unsupported' }).status).toBe(415);
    expect(toProblem({ status: 415, message: 'unsupported media type application/xml' }).code).toBe(
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('hides internals of unknown errors', () => {
    const p = toProblem(new Error('password=hunter2 at db.ts:12'));
    expect(p).toMatchObject({ status: 500, code: 'INTERNAL', detail: 'internal error' });
    expect(JSON.stringify(p)).not.toContain('hunter2');
    expect(toProblem(Errors.storeUnavailable('pg at 10.0.0.1 down')).detail).not.toContain('10.0.0.1');
  });

  it('keeps ApiError codes and details', () => {
    expect(toProblem(new ApiError(429, 'ACCOUNT_LOCKED', 'locked'))).toMatchObject({
      status: 429,
      code: 'ACCOUNT_LOCKED',
      type: 'https://kontroler.dev/problems/account-locked',
    });
  });
});

describe('secrets', () => {
  it('hashes passwords with a per-user salt and verifies them', async () => {
    const a = await hashPassword('s3cret-pass', 1024);
    const b = await hashPassword('s3cret-pass', 1024);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await verifyPassword('s3cret-pass', a)).toBe(true);
    expect(await verifyPassword('s3cret-pasS', a)).toBe(false);
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$99999999$8$1$aa$bb')).toBe(false);
  });

  it('uses 2^15 as the default cost', async () => {
    expect(await hashPassword('x')).toMatch(/^scrypt\$32768\$/);
  });

  it('formats API and refresh tokens and stores only hashes', () => {
    const t = newApiToken();
    expect(isApiTokenFormat(t.token)).toBe(true);
    expect(t.token.startsWith(t.prefix)).toBe(true);
    expect(t.hash).toBe(sha256(t.token));
    expect(t.hash).not.toContain(t.token.slice(3));
    expect(isApiTokenFormat('kt_short')).toBe(false);
    expect(newRefreshToken().token).toMatch(/^kr_[A-Za-z0-9_-]{43}$/);
    expect(randomPassword()).toMatch(/^[A-Za-z0-9]{20}$/);
  });

  it('rate-limits per key in a window', () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: 2, windowMs: 60_000, now: () => now });
    expect(limiter.hit('a')).toBe(0);
    expect(limiter.hit('a')).toBe(0);
    expect(limiter.hit('a')).toBe(60);
    expect(limiter.hit('b')).toBe(0);
    now = 60_000;
    expect(limiter.hit('a')).toBe(0);
  });

  it('tells the wait without counting a hit', () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: 2, windowMs: 60_000, now: () => now });
    expect(limiter.wait('a')).toBe(0);
    limiter.hit('a');
    expect(limiter.wait('a')).toBe(0);
    expect(limiter.wait('a')).toBe(0);
    limiter.hit('a');
    now = 30_000;
    expect(limiter.wait('a')).toBe(30);
    now = 60_000;
    expect(limiter.wait('a')).toBe(0);
  });
});

describe('config', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'kontroler-config-'));

  it('reports every problem at once', () => {
    try {
      loadConfig(
        { KONTROLER_ENV: 'production', PORT: 'eighty', LOG_LEVEL: 'loud', OIDC_ISSUER: 'https://idp' },
        dir(),
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('PORT');
      expect(problems).toContain('LOG_LEVEL');
      expect(problems).toContain('JWT_SECRET is required');
      expect(problems).toContain('OIDC_AUDIENCE');
    }
  });

  it('refuses a known default secret in production', () => {
    expect(() => loadConfig({ KONTROLER_ENV: 'production', JWT_SECRET: 'changeme' }, dir())).toThrow(
      /known default/,
    );
    const ok = loadConfig({
      KONTROLER_ENV: 'production',
      JWT_SECRET: 'x'.repeat(40),
      KONTROLER_RUNTIME: 'none',
      DATA_DIR: dir(),
    });
    expect(ok.jwtSecret).toBe('x'.repeat(40));
  });

  describe('the process runtime in production', () => {
    const production = { JWT_SECRET: 'x'.repeat(40) };
    const problems = (env: NodeJS.ProcessEnv): readonly string[] => {
      try {
        loadConfig({ DATA_DIR: dir(), ...env });
        return [];
      } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
      }
    };

    it('is refused, naming the setting that allows it (KONTROLER_ENV or NODE_ENV)', () => {
      const refusal = [
        expect.stringMatching(/production mode refuses.*KONTROLER_ALLOW_PROCESS_RUNTIME=true/),
      ];
      const process = { KONTROLER_RUNTIME: 'process' };
      expect(problems({ ...production, ...process, KONTROLER_ENV: 'production' })).toEqual(refusal);
      expect(problems({ ...production, ...process, NODE_ENV: 'production' })).toEqual(refusal);
      // `auto` may find a container engine; its fallback to processes is refused when it is chosen
      // (runtime-choice.test.ts).
      expect(problems({ ...production, KONTROLER_ENV: 'production' })).toEqual([]);
    });

    it('is allowed by KONTROLER_ALLOW_PROCESS_RUNTIME=true; KONTROLER_RUNTIME=none runs no tasks here', () => {
      const allowed = loadConfig({
        ...production,
        DATA_DIR: dir(),
        NODE_ENV: 'production',
        KONTROLER_ALLOW_PROCESS_RUNTIME: 'true',
      });
      expect(allowed).toMatchObject({
        env: 'production',
        runtime: { mode: 'auto', allowProcess: true, production: true },
      });
      const none = loadConfig({
        ...production,
        DATA_DIR: dir(),
        NODE_ENV: 'production',
        KONTROLER_RUNTIME: 'none',
      });
      expect(none).toMatchObject({
        env: 'production',
        runtime: { mode: 'none', allowProcess: false, production: true },
      });
      // Development picks a container engine or runs tasks on this host as before (npm start).
      expect(loadConfig({ DATA_DIR: dir() })).toMatchObject({
        env: 'development',
        runtime: { mode: 'auto', production: false },
      });
    });

    it('checks the values of both settings', () => {
      expect(problems({ KONTROLER_RUNTIME: 'docker', KONTROLER_ALLOW_PROCESS_RUNTIME: 'yes' })).toEqual([
        'KONTROLER_RUNTIME must be one of auto, container, process, none, not "docker"',
        'KONTROLER_ALLOW_PROCESS_RUNTIME must be true or false, not "yes"',
      ]);
    });
  });

  it('generates and keeps a development secret in DATA_DIR', () => {
    const dataDir = dir();
    const a = loadConfig({ DATA_DIR: dataDir });
    const b = loadConfig({ DATA_DIR: dataDir });
    expect(a.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(b.jwtSecret).toBe(a.jwtSecret);
    expect(readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim()).toBe(a.jwtSecret);
    expect(a.port).toBe(8080);
    expect(a.env).toBe('development');
  });

  it('derives the JWKS URL from the issuer', () => {
    const c = loadConfig({
      DATA_DIR: dir(),
      OIDC_ISSUER: 'https://idp.example/realms/x',
      OIDC_AUDIENCE: 'kontroler',
    });
    expect(c.oidc).toEqual({
      issuer: 'https://idp.example/realms/x',
      audience: 'kontroler',
      jwksUrl: 'https://idp.example/realms/x/.well-known/jwks.json',
      rolesClaim: 'roles',
    });
  });
});

describe('diff and ranges', () => {
  it('matches tasks by name', () => {
    const a = {
      name: 'd',
      tasks: [
        { name: 'x', image: 'a' },
        { name: 'y', image: 'b' },
      ],
    };
    const b = {
      name: 'd',
      tasks: [
        { name: 'y', image: 'b' },
        { name: 'x', image: 'c' },
        { name: 'z', image: 'd' },
      ],
    };
    expect(diffValues(a, b)).toEqual([
      { path: '/tasks/x/image', kind: 'changed', before: 'a', after: 'c' },
      { path: '/tasks/z', kind: 'added', after: { name: 'z', image: 'd' } },
    ]);
    expect(unifiedDiff('a\nb\n', 'a\nc\n', 'v1', 'v2')).toContain('-b\n+c');
  });

  it('parses byte ranges', () => {
    expect(parseRange('bytes=0-4', 10)).toEqual([0, 4]);
    expect(parseRange('bytes=5-', 10)).toEqual([5, 9]);
    expect(parseRange('bytes=-3', 10)).toEqual([7, 9]);
    expect(parseRange('bytes=0-100', 10)).toEqual([0, 9]);
    expect(parseRange('bytes=10-', 10)).toBeUndefined();
    expect(parseRange('items=1-2', 10)).toBe('ignore');
  });
});
