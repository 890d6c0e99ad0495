/** Authentication: sessions, lockout, API tokens, OIDC, and every way a credential must be refused. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_AUDIENCE, ACCESS_ISSUER } from '../src/auth/authenticator.js';
import { PASSWORD, sampleDag, startHarness, type Harness } from './support/harness.js';

const V1 = '/api/v1';
/** The default namespace's DAGs and runs. */
const NS = `${V1}/namespaces/default`;
const ISSUER = 'https://idp.test/realms/kontroler';

let h: Harness;
let jwks: Server;
let idpKey: CryptoKey;
let otherKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  idpKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
  h = await startHarness({ oidc: { issuer: ISSUER, audience: 'kontroler', jwksUrl, rolesClaim: 'groups' } });
});
afterAll(async () => {
  await h?.close();
  await new Promise<void>((resolve) => jwks?.close(() => resolve()));
});

const idpToken = (
  claims: Record<string, unknown>,
  options: { key?: CryptoKey; issuer?: string; audience?: string; exp?: number } = {},
) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? 'kontroler')
    .setSubject('sub-1')
    .setIssuedAt()
    .setExpirationTime(options.exp ?? Math.floor(Date.now() / 1000) + 300)
    .sign(options.key ?? idpKey);

describe('sessions', () => {
  it('logs in, refreshes with rotation, and revokes the family on reuse', async () => {
    await h.user('alice', [{ role: 'viewer', namespace: null }]);
    const login = await h.request<{
      accessToken: string;
      refreshToken: string;
      expiresIn: number;
      user: { username: string };
    }>('POST', `${V1}/auth/login`, { body: { username: 'alice', password: PASSWORD } });
    expect(login.status).toBe(200);
    expect(login.body.expiresIn).toBe(900);
    expect(login.body.user.username).toBe('alice');
    const me = await h.request<{ username: string; roles: unknown[] }>('GET', `${V1}/me`, {
      token: login.body.accessToken,
    });
    expect(me.body).toMatchObject({ username: 'alice', roles: [{ role: 'viewer', namespace: null }] });

    const first = await h.request<{ refreshToken: string; accessToken: string }>(
      'POST',
      `${V1}/auth/refresh`,
      {
        body: { refreshToken: login.body.refreshToken },
      },
    );
    expect(first.status).toBe(200);
    expect(first.body.refreshToken).not.toBe(login.body.refreshToken);
    // Reusing the rotated token: refused, and the family (including the new token) is revoked.
    const reuse = await h.request('POST', `${V1}/auth/refresh`, {
      body: { refreshToken: login.body.refreshToken },
    });
    expect(reuse.status).toBe(401);
    const after = await h.request('POST', `${V1}/auth/refresh`, {
      body: { refreshToken: first.body.refreshToken },
    });
    expect(after.status).toBe(401);
  });

  it('logout revokes the refresh token', async () => {
    const bob = await h.user('bob', [{ role: 'viewer', namespace: null }]);
    expect(
      (
        await h.request('POST', `${V1}/auth/logout`, {
          token: bob.token,
          body: { refreshToken: bob.refreshToken },
        })
      ).status,
    ).toBe(204);
    expect(
      (await h.request('POST', `${V1}/auth/refresh`, { body: { refreshToken: bob.refreshToken } })).status,
    ).toBe(401);
  });

  it('refuses wrong passwords and unknown users alike', async () => {
    const wrong = await h.request<{ code: string }>('POST', `${V1}/auth/login`, {
      body: { username: 'alice', password: 'nope' },
    });
    const unknown = await h.request<{ code: string }>('POST', `${V1}/auth/login`, {
      body: { username: 'nobody', password: 'nope' },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.code).toBe('INVALID_CREDENTIALS');
    expect(unknown.body.code).toBe('INVALID_CREDENTIALS');
    expect(wrong.headers.get('content-type')).toContain('application/problem+json');
  });

  it('locks an account after 5 failures, even for the right password', async () => {
    await h.user('carol', []);
    for (let i = 0; i < 5; i += 1) {
      expect(
        (await h.request('POST', `${V1}/auth/login`, { body: { username: 'carol', password: 'bad' } }))
          .status,
      ).toBe(401);
    }
    const locked = await h.request<{ code: string }>('POST', `${V1}/auth/login`, {
      body: { username: 'carol', password: PASSWORD },
    });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('ACCOUNT_LOCKED');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
  });

  it('requires a password change before anything else', async () => {
    const dave = await h.user('dave', [{ role: 'viewer', namespace: null }], { mustChangePassword: true });
    const blocked = await h.request<{ code: string }>('GET', `${V1}/dags`, { token: dave.token });
    expect(blocked.status).toBe(403);
    expect(blocked.body.code).toBe('PASSWORD_CHANGE_REQUIRED');
    const bad = await h.request('POST', `${V1}/me/password`, {
      token: dave.token,
      body: { currentPassword: 'wrong-one', newPassword: 'a-new-password' },
    });
    expect(bad.status).toBe(400);
    const changed = await h.request<{ accessToken: string; user: { mustChangePassword: boolean } }>(
      'POST',
      `${V1}/me/password`,
      { token: dave.token, body: { currentPassword: PASSWORD, newPassword: 'a-new-password' } },
    );
    expect(changed.status).toBe(200);
    expect(changed.body.user.mustChangePassword).toBe(false);
    expect((await h.request('GET', `${V1}/dags`, { token: changed.body.accessToken })).status).toBe(200);
    expect(
      (
        await h.request('POST', `${V1}/auth/login`, {
          body: { username: 'dave', password: 'a-new-password' },
        })
      ).status,
    ).toBe(200);
  });
});

describe('access tokens', () => {
  const sign = (secret: string, claims: Record<string, unknown>, exp: number) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ACCESS_ISSUER)
      .setAudience(ACCESS_AUDIENCE)
      .setIssuedAt(exp - 900)
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(secret));

  it('refuses expired, forged, malformed and foreign tokens', async () => {
    const erin = await h.user('erin', [{ role: 'admin', namespace: null }]);
    const now = Math.floor(Date.now() / 1000);
    const expired = await sign(h.jwtSecret, { typ: 'access', sub: erin.id }, now - 10);
    const forged = await sign(
      'another-secret-another-secret-1234',
      { typ: 'access', sub: erin.id },
      now + 600,
    );
    const valid = await sign(h.jwtSecret, { typ: 'access', sub: erin.id }, now + 600);
    expect((await h.request('GET', `${V1}/me`, { token: valid })).status).toBe(200);
    const e = await h.request<{ detail: string }>('GET', `${V1}/me`, { token: expired });
    expect(e.status).toBe(401);
    expect(e.body.detail).toMatch(/expired/);
    expect((await h.request('GET', `${V1}/me`, { token: forged })).status).toBe(401);
    expect((await h.request('GET', `${V1}/me`, { token: 'not-a-jwt' })).status).toBe(401);
    expect((await h.request('GET', `${V1}/me`, { headers: { authorization: 'Basic abc' } })).status).toBe(
      401,
    );
    const noTyp = await sign(h.jwtSecret, { sub: erin.id }, now + 600);
    expect((await h.request('GET', `${V1}/me`, { token: noTyp })).status).toBe(401);
  });

  it('refuses disabled users whatever they present', async () => {
    const admin = await h.user('root', [{ role: 'admin', namespace: null }]);
    const frank = await h.user('frank', [{ role: 'editor', namespace: null }]);
    const apiToken = await h.request<{ token: string }>('POST', `${V1}/tokens`, {
      token: frank.token,
      body: { name: 'ci' },
    });
    expect((await h.request('GET', `${V1}/me`, { token: apiToken.body.token })).status).toBe(200);
    expect(
      (await h.request('PATCH', `${V1}/users/${frank.id}`, { token: admin.token, body: { disabled: true } }))
        .status,
    ).toBe(200);
    expect((await h.request('GET', `${V1}/me`, { token: frank.token })).status).toBe(401);
    expect((await h.request('GET', `${V1}/me`, { token: apiToken.body.token })).status).toBe(401);
    const login = await h.request<{ code: string }>('POST', `${V1}/auth/login`, {
      body: { username: 'frank', password: PASSWORD },
    });
    expect(login.status).toBe(401);
    expect(login.body.code).toBe('USER_DISABLED');
    expect(
      (await h.request('POST', `${V1}/auth/refresh`, { body: { refreshToken: frank.refreshToken } })).status,
    ).toBe(401);
  });
});

describe('API tokens', () => {
  it('are shown once, scoped no higher than the owner, listed, revoked and expire', async () => {
    const gina = await h.user('gina', [{ role: 'editor', namespace: null }]);
    const tooHigh = await h.request('POST', `${V1}/tokens`, {
      token: gina.token,
      body: { name: 'x', role: 'admin' },
    });
    expect(tooHigh.status).toBe(403);
    const created = await h.request<{ id: string; token: string; prefix: string; role: string }>(
      'POST',
      `${V1}/tokens`,
      {
        token: gina.token,
        body: { name: 'read-only', role: 'viewer' },
      },
    );
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^kt_/);
    expect(created.body.token.startsWith(created.body.prefix)).toBe(true);
    const t = created.body.token;
    expect((await h.request('GET', `${V1}/dags`, { token: t })).status).toBe(200);
    expect((await h.request('POST', `${NS}/dags`, { token: t, body: sampleDag('by-token') })).status).toBe(
      403,
    );
    expect(
      (
        await h.request('POST', `${V1}/me/password`, {
          token: t,
          body: { currentPassword: PASSWORD, newPassword: 'whatever-123' },
        })
      ).status,
    ).toBe(403);

    const list = await h.request<{ items: Array<{ id: string; lastUsedAt: string | null }> }>(
      'GET',
      `${V1}/tokens`,
      { token: gina.token },
    );
    const listed = list.body.items.find((i) => i.id === created.body.id);
    expect(listed?.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(list.body)).not.toContain(t);
    expect((await h.request('GET', `${V1}/tokens?all=true`, { token: gina.token })).status).toBe(403);

    expect((await h.request('DELETE', `${V1}/tokens/${created.body.id}`, { token: gina.token })).status).toBe(
      204,
    );
    const revoked = await h.request<{ detail: string }>('GET', `${V1}/dags`, { token: t });
    expect(revoked.status).toBe(401);
    expect(revoked.body.detail).toMatch(/revoked/);

    const expiring = await h.request<{ id: string; token: string }>('POST', `${V1}/tokens`, {
      token: gina.token,
      body: { name: 'short', expiresInDays: 1 },
    });
    await h.store.sql(`update api_tokens set expires_at = now() - interval '1 minute' where id = $1`, [
      expiring.body.id,
    ]);
    expect((await h.request('GET', `${V1}/dags`, { token: expiring.body.token })).status).toBe(401);
    expect((await h.request('GET', `${V1}/dags`, { token: `kt_${'A'.repeat(43)}` })).status).toBe(401);
  });

  it('limits a namespaced token to its namespace', async () => {
    const hank = await h.user('hank', [{ role: 'editor', namespace: null }]);
    const scoped = await h.request<{ token: string }>('POST', `${V1}/tokens`, {
      token: hank.token,
      body: { name: 'team-a', namespace: 'team-a' },
    });
    expect(scoped.status).toBe(201);
    const inTeam = await h.request('POST', `${V1}/namespaces/team-a/dags`, {
      token: scoped.body.token,
      body: sampleDag('team-a-dag'),
    });
    expect(inTeam.status).toBe(201);
    const elsewhere = await h.request('POST', `${NS}/dags`, {
      token: scoped.body.token,
      body: sampleDag('default-dag'),
    });
    expect(elsewhere.status).toBe(403);
    const other = await h.request<{ items: unknown[] }>('GET', `${V1}/dags?namespace=default`, {
      token: scoped.body.token,
    });
    expect(other.body.items).toEqual([]);
  });
});

describe('OIDC', () => {
  it('accepts the issuer’s tokens and maps the roles claim', async () => {
    const editor = await idpToken({ preferred_username: 'oidc-ed', groups: ['editor'] });
    expect(
      (await h.request('POST', `${NS}/dags`, { token: editor, body: sampleDag('from-oidc') })).status,
    ).toBe(201);
    const me = await h.request<{ username: string; roles: unknown[] }>('GET', `${V1}/me`, { token: editor });
    expect(me.body).toMatchObject({ username: 'oidc-ed', roles: [{ role: 'editor', namespace: null }] });
    const scoped = await idpToken({ preferred_username: 'oidc-v', groups: ['viewer:team-a'] });
    expect((await h.request('POST', `${NS}/dags`, { token: scoped, body: sampleDag('nope') })).status).toBe(
      403,
    );
    expect((await h.request('GET', `${V1}/users`, { token: editor })).status).toBe(403);
  });

  it('maps groups through role bindings', async () => {
    await h.store.sql(
      `insert into role_bindings (id, subject_kind, subject, role, namespace) values (gen_random_uuid(), 'group', 'platform-team', 'admin', null)`,
    );
    const token = await idpToken({ preferred_username: 'oidc-admin', groups: ['platform-team'] });
    expect((await h.request('GET', `${V1}/users`, { token })).status).toBe(200);
  });

  it('refuses a wrong issuer, a wrong key, a wrong audience and expired tokens', async () => {
    const claims = { preferred_username: 'x', groups: ['admin'] };
    expect(
      (await h.request('GET', `${V1}/me`, { token: await idpToken(claims, { issuer: 'https://evil.test' }) }))
        .status,
    ).toBe(401);
    expect(
      (await h.request('GET', `${V1}/me`, { token: await idpToken(claims, { key: otherKey }) })).status,
    ).toBe(401);
    expect(
      (await h.request('GET', `${V1}/me`, { token: await idpToken(claims, { audience: 'other' }) })).status,
    ).toBe(401);
    const expired = await idpToken(claims, { exp: Math.floor(Date.now() / 1000) - 60 });
    expect((await h.request('GET', `${V1}/me`, { token: expired })).status).toBe(401);
  });

  it('refuses OIDC subjects whose local user is disabled', async () => {
    const admin = await h.user('root2', [{ role: 'admin', namespace: null }]);
    const ivy = await h.user('ivy', [{ role: 'viewer', namespace: null }]);
    await h.request('PATCH', `${V1}/users/${ivy.id}`, { token: admin.token, body: { disabled: true } });
    const token = await idpToken({ preferred_username: 'ivy', groups: ['viewer'] });
    expect((await h.request('GET', `${V1}/me`, { token })).status).toBe(401);
  });
});
