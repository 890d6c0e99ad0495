/**
 * Accounts and sessions (issue 15): what a password change does to earlier sessions, lockout and rate
 * limits that do not tell unknown users from locked ones, the admin's unlock, and bodies that are not read
 * before the caller is authenticated. Clients are told apart by `X-Forwarded-For` (the API trusts it here).
 */
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { USER_CACHE_MS } from '../src/auth/authenticator.js';
import {
  PASSWORD,
  sampleDag,
  startHarness,
  TEST_SCRYPT_N,
  type Harness,
  type Reply,
} from './support/harness.js';

const V1 = '/api/v1';
/** Failed logins per address per minute in this file. */
const ADDRESS_LIMIT = 8;

let h: Harness;
let admin: { id: string; token: string };
let nextAddress = 1;
/** A client address no other test uses. */
const freshAddress = (): string => `10.0.${Math.floor(nextAddress / 250)}.${(nextAddress++ % 250) + 1}`;

beforeAll(async () => {
  h = await startHarness({ deps: { trustProxy: true, loginRateLimit: ADDRESS_LIMIT } });
  admin = await h.user('accounts-admin', [{ role: 'admin', namespace: null }]);
});
afterAll(async () => h?.close());

type Problem = { code: string; detail: string; status: number };
type Session = { accessToken: string; refreshToken: string };

const login = (username: string, password: string, address = freshAddress()) =>
  h.request<Problem & Session>('POST', `${V1}/auth/login`, {
    body: { username, password },
    headers: { 'x-forwarded-for': address },
  });

/** The parts of an answer a client could compare to tell two usernames apart. */
const observable = (r: Reply<Problem & Session>) => ({
  status: r.status,
  code: r.body.code,
  detail: r.body.detail,
  contentType: r.headers.get('content-type'),
  retryAfter: r.headers.get('retry-after') === null ? null : 'set',
});

describe('a password change ends earlier sessions', () => {
  it('refuses access tokens issued before a password change, even one the authenticator has cached', async () => {
    await h.user('pat', [{ role: 'viewer', namespace: null }]);
    const laptop = (await login('pat', PASSWORD)).body;
    const phone = (await login('pat', PASSWORD)).body;
    // Both tokens verified once, so both sit in the verified-token cache.
    expect((await h.request('GET', `${V1}/me`, { token: laptop.accessToken })).status).toBe(200);
    expect((await h.request('GET', `${V1}/me`, { token: phone.accessToken })).status).toBe(200);

    const changed = await h.request<Session>('POST', `${V1}/me/password`, {
      token: laptop.accessToken,
      body: { currentPassword: PASSWORD, newPassword: 'pat-new-password' },
    });
    expect(changed.status).toBe(200);

    for (const old of [laptop.accessToken, phone.accessToken]) {
      const refused = await h.request<Problem>('GET', `${V1}/me`, { token: old });
      expect(refused.status).toBe(401);
      expect(refused.body.detail).toMatch(/password changed/);
    }
    for (const old of [laptop.refreshToken, phone.refreshToken]) {
      expect((await h.request('POST', `${V1}/auth/refresh`, { body: { refreshToken: old } })).status).toBe(
        401,
      );
    }
    // The session the change answered with works, and so does the new password.
    expect((await h.request('GET', `${V1}/me`, { token: changed.body.accessToken })).status).toBe(200);
    const renewed = await h.request('POST', `${V1}/auth/refresh`, {
      body: { refreshToken: changed.body.refreshToken },
    });
    expect(renewed.status).toBe(200);
    expect((await login('pat', 'pat-new-password')).status).toBe(200);
  });

  it('refuses a refresh token that slipped past the revocation of a password change (a racing refresh)', async () => {
    const wes = await h.user('wes', [{ role: 'viewer', namespace: null }]);
    const changed = await h.request('POST', `${V1}/me/password`, {
      token: wes.token,
      body: { currentPassword: PASSWORD, newPassword: 'wes-new-password' },
    });
    expect(changed.status).toBe(200);
    // What a refresh that rotated just before the revocation leaves behind: a live token of the old version.
    await h.store.sql(
      `update refresh_tokens set revoked_at = null
        where user_id = $1 and credentials_version = 0`,
      [wes.id],
    );
    const refused = await h.request<Problem>('POST', `${V1}/auth/refresh`, {
      body: { refreshToken: wes.refreshToken },
    });
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toMatch(/password changed/);
  });

  it('refuses tokens from before a password change on another API replica once its user cache expires', async () => {
    // A second replica on the same database, with its own caches and a clock this test moves.
    let clock = Date.now();
    const replica = createApp({
      store: h.store,
      engine: h.engine,
      sql: h.store.sql,
      auth: { jwtSecret: h.jwtSecret, scryptN: TEST_SCRYPT_N },
      now: () => clock,
    });
    const server = createServer(replica);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const other = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const me = (token: string) =>
      fetch(`${other}${V1}/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    try {
      const vic = await h.user('vic', [{ role: 'viewer', namespace: null }]);
      // Verified and cached on the replica.
      expect(await me(vic.token)).toBe(200);
      const changed = await h.request('POST', `${V1}/me/password`, {
        token: vic.token,
        body: { currentPassword: PASSWORD, newPassword: 'vic-new-password' },
      });
      expect(changed.status).toBe(200);
      // Within its user cache's window the replica has not seen the change yet (the documented 2 s)…
      expect(await me(vic.token)).toBe(200);
      // …and after it, the old token is refused there too.
      clock += USER_CACHE_MS + 1;
      expect(await me(vic.token)).toBe(401);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      replica.dispose();
    }
  });

  it("refuses the user's earlier access and refresh tokens after an admin resets the password", async () => {
    const quinn = await h.user('quinn', [{ role: 'editor', namespace: null }]);
    expect((await h.request('GET', `${V1}/dags`, { token: quinn.token })).status).toBe(200);
    const reset = await h.request('POST', `${V1}/users/${quinn.id}/password`, {
      token: admin.token,
      body: { password: 'quinn-reset-password' },
    });
    expect(reset.status).toBe(204);
    expect((await h.request('GET', `${V1}/dags`, { token: quinn.token })).status).toBe(401);
    expect(
      (await h.request('POST', `${V1}/auth/refresh`, { body: { refreshToken: quinn.refreshToken } })).status,
    ).toBe(401);
    const again = await login('quinn', 'quinn-reset-password');
    expect(again.status).toBe(200);
    const blocked = await h.request<Problem>('GET', `${V1}/dags`, { token: again.body.accessToken });
    expect(blocked.body.code).toBe('PASSWORD_CHANGE_REQUIRED');
  });
});

describe('lockout and rate limits', () => {
  it('answers an unknown username exactly as an existing one, before and after the lockout', async () => {
    await h.user('rita', []);
    for (let i = 0; i < 5; i += 1) {
      const known = await login('rita', 'wrong');
      const unknown = await login('nobody-rita', 'wrong');
      expect(known.status).toBe(401);
      expect(observable(unknown)).toEqual(observable(known));
    }
    const known = await login('rita', 'wrong');
    const unknown = await login('nobody-rita', 'wrong');
    expect(known.status).toBe(429);
    expect(known.body.code).toBe('ACCOUNT_LOCKED');
    expect(observable(unknown)).toEqual(observable(known));
    const seconds = (r: Reply) => Number(r.headers.get('retry-after'));
    expect(Math.abs(seconds(known) - seconds(unknown))).toBeLessThanOrEqual(1);
    expect(seconds(known)).toBeGreaterThan(800);
    // Locked means locked: the right password gets the same answer, from any address.
    expect(observable(await login('rita', PASSWORD))).toEqual(observable(known));
  });

  it('rate-limits failed logins per client address, whatever the usernames, existing or not', async () => {
    await h.user('sam', []);
    const address = freshAddress();
    // Half of them on an existing user (4: one short of its lockout), half on names that do not exist.
    for (let i = 0; i < ADDRESS_LIMIT; i += 1) {
      expect((await login(i % 2 === 0 ? `ghost-${i}` : 'sam', 'wrong', address)).status).toBe(401);
    }
    const limitedKnown = await login('sam', PASSWORD, address);
    const limitedUnknown = await login('ghost-x', 'wrong', address);
    expect(limitedKnown.status).toBe(429);
    expect(limitedKnown.body.code).toBe('RATE_LIMITED');
    expect(Number(limitedKnown.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(observable(limitedUnknown)).toEqual(observable(limitedKnown));
    // Another address is not affected, and successful logins never count.
    expect((await login('sam', PASSWORD)).status).toBe(200);
  });

  it('shows the admin which accounts are locked and lets them unlock one', async () => {
    const tess = await h.user('tess', [{ role: 'viewer', namespace: null }]);
    for (let i = 0; i < 5; i += 1) await login('tess', 'wrong');
    expect((await login('tess', PASSWORD)).status).toBe(429);

    type Users = { items: Array<{ username: string; lockedUntil: string | null }> };
    const listed = await h.request<Users>('GET', `${V1}/users?limit=200`, { token: admin.token });
    const row = listed.body.items.find((u) => u.username === 'tess');
    expect(Date.parse(row?.lockedUntil ?? '')).toBeGreaterThan(Date.now());
    expect(listed.body.items.find((u) => u.username === 'accounts-admin')?.lockedUntil).toBeNull();

    const viewer = await h.request('POST', `${V1}/users/${tess.id}/unlock`, { token: tess.token });
    expect(viewer.status).toBe(403);
    const unlocked = await h.request<{ lockedUntil: string | null }>(
      'POST',
      `${V1}/users/${tess.id}/unlock`,
      {
        token: admin.token,
      },
    );
    expect(unlocked.status).toBe(200);
    expect(unlocked.body.lockedUntil).toBeNull();
    expect((await login('tess', PASSWORD)).status).toBe(200);
    const audit = await h.request<{ items: Array<{ action: string; target: string }> }>(
      'GET',
      `${V1}/audit?action=user.unlock`,
      { token: admin.token },
    );
    expect(audit.body.items.map((e) => e.target)).toContain('tess');
  });
});

describe('login timing', () => {
  it('answers an unknown or a locked user no faster than a wrong password (the scrypt work is done for all)', async () => {
    // A real scrypt cost, so that skipping it shows; users created through the API get the same cost.
    const slow = await startHarness({
      deps: { trustProxy: true, auth: { jwtSecret: 'x'.repeat(64), scryptN: 2 ** 14 } },
    });
    try {
      const boss = await slow.user('timing-admin', [{ role: 'admin', namespace: null }]);
      for (const username of ['timed', 'timed-locked']) {
        const created = await slow.request('POST', `${V1}/users`, {
          token: boss.token,
          body: { username, password: 'a-long-password' },
        });
        expect(created.status).toBe(201);
      }
      let address = 0;
      const timed = async (username: string, expected: number): Promise<number> => {
        const started = performance.now();
        const r = await slow.request('POST', `${V1}/auth/login`, {
          body: { username, password: 'wrong' },
          headers: { 'x-forwarded-for': `192.0.2.${(address += 1)}` },
        });
        expect(r.status).toBe(expected);
        return performance.now() - started;
      };
      for (let i = 0; i < 5; i += 1) await timed('timed-locked', 401);
      // The fastest of several tries: noise on a busy machine only ever adds time.
      const fastest = async (username: string, expected: number): Promise<number> => {
        let best = Infinity;
        for (let i = 0; i < 4; i += 1) best = Math.min(best, await timed(username, expected));
        return best;
      };
      const wrong = await fastest('timed', 401);
      await slow.store.sql('delete from login_failures where username = $1', ['timed']);
      const unknown = await fastest('nobody-timed', 401);
      const locked = await fastest('timed-locked', 429);
      console.log(
        `login answers (fastest of 4, scrypt N=2^14): wrong password ${wrong.toFixed(1)} ms, unknown user ${unknown.toFixed(1)} ms, locked user ${locked.toFixed(1)} ms`,
      );
      expect(unknown).toBeGreaterThan(wrong / 2);
      expect(locked).toBeGreaterThan(wrong / 2);
    } finally {
      await slow.close();
    }
  });
});

/** Sends only the head of a request over a raw socket; resolves with the whole answer once the server closes. */
function headOnly(head: string, timeoutMs = 5000): Promise<string> {
  const { hostname, port } = new URL(h.url);
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect(Number(port), hostname, () => socket.write(head));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms (the server waits for the body): ${text}`));
    }, timeoutMs);
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}

describe('request bodies', () => {
  it('answers an unauthenticated 5 MB body 401 before reading any of it', async () => {
    for (const authorization of ['', 'Authorization: Bearer not-a-token\r\n']) {
      const answer = await headOnly(
        `POST ${V1}/dags HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n` +
          `${authorization}Content-Length: ${5 * 1024 * 1024}\r\n\r\n`,
      );
      expect(answer).toMatch(/^HTTP\/1\.1 401 /);
      expect(answer).toMatch(/connection: close/i);
      expect(answer).toContain('application/problem+json');
    }
  });

  it('states the body limit in the 413 problem', async () => {
    const big = JSON.stringify({ ...sampleDag('big'), description: 'x'.repeat(2 * 1024 * 1024) });
    const r = await h.request<Problem>('POST', `${V1}/dags`, {
      token: admin.token,
      body: big,
      contentType: 'application/json',
    });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(r.body.detail).toBe('the request body exceeds the limit of 1 MB (1048576 bytes)');
  });

  it('still reads the body of a login, which carries the credential', async () => {
    expect((await login('accounts-admin', PASSWORD)).status).toBe(200);
  });
});

describe('API tokens', () => {
  it("lists every token with its owner's username", async () => {
    const uma = await h.user('uma', [{ role: 'viewer', namespace: null }]);
    expect(
      (await h.request('POST', `${V1}/tokens`, { token: uma.token, body: { name: 'uma-ci' } })).status,
    ).toBe(201);
    const all = await h.request<{ items: Array<{ name: string; userId: string; username: string }> }>(
      'GET',
      `${V1}/tokens?all=true`,
      { token: admin.token },
    );
    expect(all.body.items.find((t) => t.name === 'uma-ci')).toMatchObject({
      userId: uma.id,
      username: 'uma',
    });
  });
});
