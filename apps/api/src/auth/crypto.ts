/**
 * Secrets at rest: scrypt password hashes (per-user salt, constant-time compare) and SHA-256 hashes of
 * bearer secrets (API tokens, refresh tokens), which are random enough not to need a slow hash.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt cost. 2^15 with r=8 takes ~50–100 ms and 32 MiB. */
export const DEFAULT_SCRYPT_N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

function scryptAsync(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** `scrypt$<N>$<r>$<p>$<salt b64url>$<hash b64url>` */
export async function hashPassword(password: string, n: number = DEFAULT_SCRYPT_N): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, n, R, P);
  return ['scrypt', n, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Constant-time check; false for any malformed stored hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![n, r, p].every((x) => Number.isInteger(x) && x > 0) || n > 2 ** 20) return false;
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const expected = Buffer.from(parts[5] ?? '', 'base64url');
  if (expected.length !== KEY_LENGTH) return false;
  const actual = await scryptAsync(password, salt, n, r, p);
  return timingSafeEqual(actual, expected);
}

/**
 * A hash to compare against when the user does not exist, so timing does not reveal usernames. One per
 * cost: it must cost what the users' hashes cost.
 */
const dummyHashes = new Map<number, Promise<string>>();
export function dummyPasswordHash(n: number): Promise<string> {
  let hash = dummyHashes.get(n);
  if (!hash) {
    hash = hashPassword(randomBytes(12).toString('hex'), n);
    dummyHashes.set(n, hash);
  }
  return hash;
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export const API_TOKEN_PREFIX = 'kt_';
export const REFRESH_TOKEN_PREFIX = 'kr_';

/** `kt_` + 43 base64url characters (256 bits). */
export function newApiToken(): { token: string; prefix: string; hash: string } {
  const token = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, prefix: token.slice(0, 11), hash: sha256(token) };
}

export const isApiTokenFormat = (value: string): boolean => /^kt_[A-Za-z0-9_-]{43}$/.test(value);

export function newRefreshToken(): { token: string; hash: string } {
  const token = REFRESH_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, hash: sha256(token) };
}

/** A readable one-time password: 20 characters from an unambiguous alphabet. */
export function randomPassword(length = 20): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}
