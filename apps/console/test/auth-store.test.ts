import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { api } from '../src/api';
import { useAuthStore } from '../src/stores/auth';
import { fakeFetch, json, problem, user } from './helpers';

function login(access: string, refresh: string, expiresIn = 900) {
  return json(200, { accessToken: access, refreshToken: refresh, expiresIn, user: user() });
}

describe('auth store', () => {
  beforeEach(() => {
    localStorage.clear();
    setActivePinia(createPinia());
  });
  afterEach(() => vi.unstubAllGlobals());

  it('signs in, keeps the refresh token, and signs out', async () => {
    const { fetch, calls } = fakeFetch({
      'POST /api/v1/auth/login': () => login('A1', 'R1'),
      'POST /api/v1/auth/logout': () => new Response(null, { status: 204 }),
    });
    vi.stubGlobal('fetch', fetch);
    const auth = useAuthStore();
    await auth.login('alice', 'pw');
    expect(auth.signedIn).toBe(true);
    expect(auth.accessToken).toBe('A1');
    expect(localStorage.getItem('kontroler.refreshToken')).toBe('R1');
    await auth.logout();
    expect(auth.signedIn).toBe(false);
    expect(localStorage.getItem('kontroler.refreshToken')).toBeNull();
    expect(calls.at(-1)!.body).toEqual({ refreshToken: 'R1' });
    expect(calls.at(-1)!.headers.Authorization).toBe('Bearer A1');
  });

  it('carries on with the session a password change answers, but never signs back in after a sign-out', async () => {
    let release: () => void = () => undefined;
    const { fetch } = fakeFetch({
      'POST /api/v1/auth/login': () => login('A1', 'R1'),
      'POST /api/v1/auth/logout': () => new Response(null, { status: 204 }),
      'POST /api/v1/me/password': async () => {
        await new Promise<void>((r) => (release = r));
        return login('A2', 'R2');
      },
    });
    vi.stubGlobal('fetch', fetch);
    const auth = useAuthStore();
    await auth.login('alice', 'pw');
    const changed = auth.changePassword('pw', 'new-password');
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(2));
    release();
    await changed;
    expect(auth.accessToken).toBe('A2');
    expect(localStorage.getItem('kontroler.refreshToken')).toBe('R2');

    const late = auth.changePassword('new-password', 'newer-password');
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(3));
    await auth.logout();
    release();
    await late;
    expect(auth.signedIn).toBe(false);
    expect(localStorage.getItem('kontroler.refreshToken')).toBeNull();
  });

  it('refreshes on a 401 with the rotated token, once for concurrent requests, and retries them', async () => {
    let refreshes = 0;
    const { fetch, calls } = fakeFetch({
      'POST /api/v1/auth/login': () => login('A1', 'R1'),
      'POST /api/v1/auth/refresh': async (c) => {
        refreshes++;
        expect(c.body).toEqual({ refreshToken: 'R1' });
        await new Promise((r) => setTimeout(r, 5));
        return login('A2', 'R2');
      },
      'GET /api/v1/dags': (c) =>
        c.headers.Authorization === 'Bearer A2'
          ? json(200, { items: [], nextCursor: null })
          : problem(401, 'TOKEN_EXPIRED'),
    });
    vi.stubGlobal('fetch', fetch);
    const auth = useAuthStore();
    await auth.login('alice', 'pw');
    const [a, b] = await Promise.all([api.dags.list({}), api.dags.list({ search: 'x' })]);
    expect(a.items).toEqual([]);
    expect(b.items).toEqual([]);
    expect(refreshes).toBe(1);
    expect(auth.accessToken).toBe('A2');
    expect(auth.refreshToken).toBe('R2');
    expect(localStorage.getItem('kontroler.refreshToken')).toBe('R2');
    expect(calls.filter((c) => c.url.startsWith('/api/v1/dags')).map((c) => c.headers.Authorization)).toEqual(
      ['Bearer A1', 'Bearer A1', 'Bearer A2', 'Bearer A2'],
    );
  });

  it('ends the session when the refresh token is refused', async () => {
    const { fetch } = fakeFetch({
      'POST /api/v1/auth/login': () => login('A1', 'R1'),
      'POST /api/v1/auth/refresh': () => problem(401, 'REFRESH_REVOKED'),
      'GET /api/v1/me': () => problem(401, 'TOKEN_EXPIRED'),
    });
    vi.stubGlobal('fetch', fetch);
    const auth = useAuthStore();
    await auth.login('alice', 'pw');
    await expect(api.auth.me()).rejects.toMatchObject({ status: 401 });
    expect(auth.signedIn).toBe(false);
    expect(auth.sessionExpired).toBe(true);
    expect(localStorage.getItem('kontroler.refreshToken')).toBeNull();
  });

  it('restores a stored session at start-up', async () => {
    localStorage.setItem('kontroler.refreshToken', 'R0');
    setActivePinia(createPinia());
    const { fetch } = fakeFetch({
      'POST /api/v1/auth/refresh': (c) =>
        (c.body as { refreshToken: string }).refreshToken === 'R0' ? login('A9', 'R9') : problem(401, 'X'),
    });
    vi.stubGlobal('fetch', fetch);
    const auth = useAuthStore();
    await expect(auth.restore()).resolves.toBe(true);
    expect(auth.user?.username).toBe('alice');
    expect(auth.accessToken).toBe('A9');
  });

  it('checks roles by rank and namespace', async () => {
    const { fetch } = fakeFetch({
      'POST /api/v1/auth/login': () =>
        json(200, {
          accessToken: 'A',
          refreshToken: 'R',
          expiresIn: 900,
          user: user([
            { role: 'viewer', namespace: null },
            { role: 'editor', namespace: 'team-a' },
          ]),
        }),
    });
    vi.stubGlobal('fetch', fetch);
    const auth = useAuthStore();
    await auth.login('bob', 'pw');
    expect(auth.hasRole('viewer', 'team-b')).toBe(true);
    expect(auth.hasRole('editor', 'team-a')).toBe(true);
    expect(auth.hasRole('editor', 'team-b')).toBe(false);
    expect(auth.hasRole('admin')).toBe(false);
    expect(auth.isAdmin).toBe(false);
  });
});
