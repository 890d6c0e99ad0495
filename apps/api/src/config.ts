/**
 * Configuration: the ONLY module that reads `process.env`. Every problem is reported at once.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEngineAddress } from '@kontroler/plugins';
import type { OidcOptions } from './types.js';

/**
 * Which runtime this process runs tasks with: a container engine, host processes, the first that is
 * available (`auto`), or none at all (`none`: the API beside a controller only submits, cancels and retries
 * runs; the controller executes them).
 */
export type RuntimeMode = 'auto' | 'container' | 'process' | 'none';
export const RUNTIME_MODES: readonly RuntimeMode[] = ['auto', 'container', 'process', 'none'];

/** The setting that lets production run tasks as host processes; named in the refusal. */
export const ALLOW_PROCESS_RUNTIME = 'KONTROLER_ALLOW_PROCESS_RUNTIME';

export interface RuntimeConfig {
  /** `KONTROLER_RUNTIME`. @default 'auto' (the container runtime when an engine answers, else processes) */
  readonly mode: RuntimeMode;
  /**
   * `KONTROLER_ALLOW_PROCESS_RUNTIME=true`: production may run tasks as shell processes on this host (with
   * `process`, or when `auto` finds no container engine). @default false
   */
  readonly allowProcess: boolean;
  /** Production mode: the process runtime is refused unless `allowProcess`. */
  readonly production: boolean;
  /** `DOCKER_HOST`: the container engine to use; unset means the default sockets. */
  readonly dockerHost: string | undefined;
  /** `XDG_RUNTIME_DIR`, where a rootless Podman's socket lives. */
  readonly xdgRuntimeDir: string | undefined;
}

export interface ApiConfig {
  /** HTTP port. @default 8080 */
  readonly port: number;
  /** Host to bind. @default '0.0.0.0' */
  readonly host: string;
  /** External PostgreSQL; when unset an embedded PostgreSQL keeps its data in `dataDir`. */
  readonly databaseUrl: string | undefined;
  /** Local state (embedded PostgreSQL, development JWT secret). @default <repo>/.data */
  readonly dataDir: string;
  /** `KONTROLER_ENV`, else `production` when `NODE_ENV=production`. @default 'development' */
  readonly env: 'production' | 'development';
  /** HS256 secret of access tokens. Production requires it; development generates and persists one. */
  readonly jwtSecret: string;
  readonly oidc: OidcOptions | undefined;
  /** pino level. @default 'info' */
  readonly logLevel: string;
  /** Built console files. @default <repo>/apps/console/dist */
  readonly consoleDir: string;
  /** How tasks run: `KONTROLER_RUNTIME`, `DOCKER_HOST`. */
  readonly runtime: RuntimeConfig;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Secrets that appear in examples and must never protect a production system. */
const KNOWN_DEFAULT_SECRETS = new Set([
  'secret',
  'changeme',
  'change-me',
  'changeit',
  'kontroler',
  'jwt-secret',
  'jwt_secret',
  'development',
  'dev',
  'password',
  'default',
  'test',
]);

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** The repository root: apps/api/{src,dist}/config.* → ../../.. */
export const repoRoot = (): string => resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function loadConfig(env: NodeJS.ProcessEnv = process.env, root: string = repoRoot()): ApiConfig {
  const problems: string[] = [];
  const mode = env.KONTROLER_ENV || (env.NODE_ENV === 'production' ? 'production' : 'development');
  if (mode !== 'production' && mode !== 'development') {
    problems.push(`KONTROLER_ENV must be "production" or "development", not "${mode}"`);
  }
  const production = mode === 'production';

  const portText = env.PORT ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 0 || port > 65535)
    problems.push(`PORT must be 0–65535, not "${portText}"`);

  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const dataDir = resolve(env.DATA_DIR ?? join(root, '.data'));

  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.has(logLevel)) problems.push(`LOG_LEVEL must be one of ${[...LOG_LEVELS].join(', ')}`);

  let jwtSecret = env.JWT_SECRET ?? '';
  if (production) {
    if (jwtSecret === '') problems.push('JWT_SECRET is required in production');
    else if (KNOWN_DEFAULT_SECRETS.has(jwtSecret.toLowerCase()) || jwtSecret.length < 32) {
      problems.push('JWT_SECRET is a known default or shorter than 32 characters');
    }
  } else if (jwtSecret === '' && problems.length === 0) {
    jwtSecret = developmentSecret(dataDir);
  }

  const runtimeText = env.KONTROLER_RUNTIME || 'auto';
  const runtimeMode = RUNTIME_MODES.find((m) => m === runtimeText) ?? 'auto';
  if (runtimeMode !== runtimeText) {
    problems.push(`KONTROLER_RUNTIME must be one of ${RUNTIME_MODES.join(', ')}, not "${runtimeText}"`);
  }
  const allowText = env[ALLOW_PROCESS_RUNTIME] || 'false';
  if (allowText !== 'true' && allowText !== 'false') {
    problems.push(`${ALLOW_PROCESS_RUNTIME} must be true or false, not "${allowText}"`);
  }
  const allowProcessRuntime = allowText === 'true';
  if (production && runtimeMode === 'process' && !allowProcessRuntime) {
    problems.push(
      'KONTROLER_RUNTIME is "process": this API would run tasks as shell processes on its own ' +
        'host, which production mode refuses. Set KONTROLER_RUNTIME=none and let the controller run tasks, ' +
        `or set ${ALLOW_PROCESS_RUNTIME}=true to run them on this host anyway`,
    );
  }

  const issuer = env.OIDC_ISSUER || undefined;
  let oidc: OidcOptions | undefined;
  if (issuer !== undefined) {
    const audience = env.OIDC_AUDIENCE || undefined;
    if (audience === undefined) problems.push('OIDC_AUDIENCE is required with OIDC_ISSUER');
    let jwksUrl = env.OIDC_JWKS_URL || undefined;
    if (jwksUrl === undefined) {
      try {
        jwksUrl = new URL('.well-known/jwks.json', issuer.endsWith('/') ? issuer : `${issuer}/`).href;
      } catch {
        problems.push('OIDC_ISSUER must be a URL');
      }
    } else if (!URL.canParse(jwksUrl)) problems.push('OIDC_JWKS_URL must be a URL');
    if (audience !== undefined && jwksUrl !== undefined) {
      oidc = { issuer, audience, jwksUrl, rolesClaim: env.OIDC_ROLES_CLAIM || 'roles' };
    }
  } else if (env.OIDC_AUDIENCE || env.OIDC_JWKS_URL) {
    problems.push('OIDC_AUDIENCE and OIDC_JWKS_URL need OIDC_ISSUER');
  }

  const dockerHost = env.DOCKER_HOST || undefined;
  if (dockerHost !== undefined && (runtimeMode === 'auto' || runtimeMode === 'container')) {
    try {
      parseEngineAddress(dockerHost);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    databaseUrl,
    dataDir,
    env: production ? 'production' : 'development',
    jwtSecret,
    oidc,
    logLevel,
    consoleDir: resolve(env.CONSOLE_DIR ?? join(root, 'apps', 'console', 'dist')),
    runtime: {
      mode: runtimeMode,
      allowProcess: allowProcessRuntime,
      production,
      dockerHost,
      xdgRuntimeDir: env.XDG_RUNTIME_DIR || undefined,
    },
  };
}

/** Development only: a random secret kept in DATA_DIR so sessions survive restarts. */
function developmentSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return existing;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
