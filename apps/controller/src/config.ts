/**
 * The controller's configuration: environment variables, optionally layered over a JSON or YAML file
 * (`--config <file>` or KONTROLER_CONFIG). This is the only module that reads process.env. Every problem
 * is reported at once, with the variable at fault.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parse as parseYaml } from 'yaml';

type Kind = 'string' | 'int' | 'bool' | 'list' | 'enum';

interface OptionSpec<K extends string = string> {
  readonly key: K;
  readonly env: string;
  readonly kind: Kind;
  readonly description: string;
  readonly default?: string;
  readonly choices?: readonly string[];
  readonly min?: number;
  readonly required?: boolean;
  readonly secret?: boolean;
}

/** Every setting, with its variable, default and meaning. `--help` prints this table. */
export const OPTIONS = [
  {
    key: 'databaseUrl',
    env: 'DATABASE_URL',
    kind: 'string',
    required: true,
    secret: true,
    description: 'PostgreSQL connection URL (postgres://user:pass@host:5432/db)',
  },
  {
    key: 'databaseSchema',
    env: 'KONTROLER_DATABASE_SCHEMA',
    kind: 'string',
    default: 'public',
    description: 'PostgreSQL schema of the tables (created and migrated at start-up)',
  },
  {
    key: 'runtime',
    env: 'KONTROLER_RUNTIME',
    kind: 'enum',
    default: 'kubernetes',
    choices: ['kubernetes', 'process'],
    description: 'Where tasks run: as pods, or as local processes',
  },
  {
    key: 'allowProcessRuntime',
    env: 'KONTROLER_ALLOW_PROCESS_RUNTIME',
    kind: 'bool',
    default: 'false',
    description:
      'Let production mode run tasks with KONTROLER_RUNTIME=process (shell processes on the controller host)',
  },
  {
    key: 'environment',
    env: 'KONTROLER_ENV',
    kind: 'enum',
    choices: ['production', 'development'],
    description:
      'production refuses the process runtime unless KONTROLER_ALLOW_PROCESS_RUNTIME=true (default: production when NODE_ENV=production, else development)',
  },
  {
    key: 'kubeconfig',
    env: 'KUBECONFIG',
    kind: 'string',
    description: 'kubeconfig file (default: the in-cluster service account, then ~/.kube/config)',
  },
  {
    key: 'leaderElection',
    env: 'KONTROLER_LEADER_ELECTION',
    kind: 'enum',
    default: 'kubernetes',
    choices: ['kubernetes', 'none'],
    description: 'How the leader for cron, retention and CRD status is chosen (none: every replica leads)',
  },
  {
    key: 'namespaces',
    env: 'KONTROLER_NAMESPACES',
    kind: 'list',
    default: 'default',
    description: 'Namespaces whose DAG and DagRun resources are watched (comma-separated)',
  },
  {
    key: 'podNamespace',
    env: 'KONTROLER_POD_NAMESPACE',
    kind: 'string',
    default: 'default',
    description: 'Namespace for task pods of runs not started by a resource',
  },
  {
    key: 'concurrency',
    env: 'KONTROLER_CONCURRENCY',
    kind: 'int',
    default: '50',
    min: 1,
    description: 'Task attempts this replica executes at once',
  },
  {
    key: 'attemptLeaseMs',
    env: 'KONTROLER_ATTEMPT_LEASE_MS',
    kind: 'int',
    default: '30000',
    min: 1000,
    description: 'Lease on a claimed attempt; renewed at a third of it',
  },
  {
    key: 'leaderLeaseSeconds',
    env: 'KONTROLER_LEADER_LEASE_SECONDS',
    kind: 'int',
    default: '15',
    min: 2,
    description: 'Leader Lease duration; a dead leader is replaced within it',
  },
  {
    key: 'leaderNamespace',
    env: 'KONTROLER_LEADER_NAMESPACE',
    kind: 'string',
    default: 'default',
    description: 'Namespace of the coordination.k8s.io Lease',
  },
  {
    key: 'leaderLeaseName',
    env: 'KONTROLER_LEADER_LEASE_NAME',
    kind: 'string',
    default: 'kontroler-controller',
    description: 'Name of the leader Lease',
  },
  {
    key: 'identity',
    env: 'POD_NAME',
    kind: 'string',
    description: "This replica's identity in leader election (default: hostname-pid)",
  },
  {
    key: 'podTtlSeconds',
    env: 'KONTROLER_POD_TTL_SECONDS',
    kind: 'int',
    default: '0',
    min: 0,
    description: 'Keep finished pods this long after their outcome is recorded',
  },
  {
    key: 'maxLogFollows',
    env: 'KONTROLER_LOG_FOLLOWS',
    kind: 'int',
    default: '256',
    min: 1,
    description:
      'Pod logs followed live at once (HTTP/2 streams sharing apiserver connections); the rest wait, or are read when their pod ends',
  },
  {
    key: 'retentionDays',
    env: 'KONTROLER_RETENTION_DAYS',
    kind: 'int',
    default: '30',
    min: 1,
    description: 'Delete finished runs, attempts and logs older than this',
  },
  {
    key: 'cronMaxCatchUp',
    env: 'KONTROLER_CRON_MAX_CATCH_UP',
    kind: 'int',
    default: '1',
    min: 1,
    description:
      'Missed cron ticks fired per DAG when the scheduler comes back (no leader, downtime): the most recent ones; older ones are skipped',
  },
  {
    key: 'kubeQps',
    env: 'KONTROLER_KUBE_QPS',
    kind: 'int',
    default: '0',
    min: 0,
    description:
      "Client-side request rate to the apiserver; 0 sets none and leaves throttling to the apiserver's API Priority and Fairness (429s are retried after their Retry-After)",
  },
  {
    key: 'kubeBurst',
    env: 'KONTROLER_KUBE_BURST',
    kind: 'int',
    default: '100',
    min: 1,
    description: 'Client-side request burst to the apiserver',
  },
  {
    key: 'webhookUrl',
    env: 'KONTROLER_WEBHOOK_URL',
    kind: 'string',
    description: 'Default webhook for DAGs without their own',
  },
  {
    key: 'webhookSecret',
    env: 'KONTROLER_WEBHOOK_SECRET',
    kind: 'string',
    secret: true,
    description: 'Signing secret for webhooks (Standard Webhooks, whsec_…)',
  },
  {
    key: 'plugins',
    env: 'KONTROLER_PLUGINS',
    kind: 'list',
    default: '',
    description: 'Plugin packages to load (each default-exports a Plugin)',
  },
  {
    key: 'metricsPort',
    env: 'KONTROLER_METRICS_PORT',
    kind: 'int',
    default: '9090',
    min: 0,
    description: 'Port of /healthz, /readyz and /metrics (0 = any free port)',
  },
  {
    key: 'admissionCertFile',
    env: 'KONTROLER_ADMISSION_CERT_FILE',
    kind: 'string',
    description:
      'PEM certificate (chain) of the validating admission webhook; the webhook is served only when set (docs/admission.md)',
  },
  {
    key: 'admissionKeyFile',
    env: 'KONTROLER_ADMISSION_KEY_FILE',
    kind: 'string',
    description: 'PEM private key of the admission webhook certificate',
  },
  {
    key: 'admissionPort',
    env: 'KONTROLER_ADMISSION_PORT',
    kind: 'int',
    default: '9443',
    min: 0,
    description: 'HTTPS port of the admission webhook, POST /validate (0 = any free port)',
  },
  {
    key: 'admissionReloadMs',
    env: 'KONTROLER_ADMISSION_RELOAD_MS',
    kind: 'int',
    default: '10000',
    min: 100,
    description:
      'How often the certificate files are read again; a rotated certificate is served from the next TLS handshake',
  },
  {
    key: 'logLevel',
    env: 'LOG_LEVEL',
    kind: 'enum',
    default: 'info',
    choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'],
    description: 'Log level',
  },
  {
    key: 'shutdownGraceMs',
    env: 'KONTROLER_SHUTDOWN_GRACE_MS',
    kind: 'int',
    default: '25000',
    min: 0,
    description: 'Time to drain on SIGTERM before handing leases back',
  },
] as const satisfies readonly OptionSpec[];

type OptionKey = (typeof OPTIONS)[number]['key'];

export interface ControllerConfig {
  readonly databaseUrl: string;
  readonly databaseSchema: string;
  readonly runtime: 'kubernetes' | 'process';
  /** Production may run tasks as host processes (`runtime: 'process'`) only when this is true. */
  readonly allowProcessRuntime: boolean;
  readonly environment: 'production' | 'development';
  readonly kubeconfig: string | undefined;
  readonly leaderElection: 'kubernetes' | 'none';
  readonly namespaces: readonly string[];
  readonly podNamespace: string;
  readonly concurrency: number;
  readonly attemptLeaseMs: number;
  readonly leaderLeaseSeconds: number;
  readonly leaderNamespace: string;
  readonly leaderLeaseName: string;
  readonly identity: string;
  readonly podTtlSeconds: number;
  readonly maxLogFollows: number;
  readonly retentionDays: number;
  /** Most missed ticks fired per scheduled DAG after a gap without a leader (the scheduler's `maxCatchUp`). */
  readonly cronMaxCatchUp: number;
  readonly kubeQps: number;
  readonly kubeBurst: number;
  readonly webhookUrl: string | undefined;
  readonly webhookSecret: string | undefined;
  readonly plugins: readonly string[];
  readonly metricsPort: number;
  /** The admission webhook is served when both files are set. */
  readonly admissionCertFile: string | undefined;
  readonly admissionKeyFile: string | undefined;
  readonly admissionPort: number;
  readonly admissionReloadMs: number;
  readonly logLevel: string;
  readonly shutdownGraceMs: number;
}

export type ConfigResult = { ok: true; config: ControllerConfig } | { ok: false; problems: string[] };

/**
 * Reads the configuration from `env` (and the file it or `argv` names). Pure apart from reading that file,
 * so tests pass their own env.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  argv: readonly string[] = [],
  defaults: { identity: string } = { identity: 'kontroler' },
): ConfigResult {
  const problems: string[] = [];
  const file = readConfigFile(argv, env, problems);
  const raw = (spec: OptionSpec): string | undefined => env[spec.env] ?? file[spec.key] ?? spec.default;
  const values: Partial<Record<OptionKey, unknown>> = {};
  for (const spec of OPTIONS as readonly OptionSpec<OptionKey>[]) {
    const text = raw(spec);
    if (text === undefined || text === '') {
      if (spec.required) problems.push(`${spec.env} is required: ${spec.description}`);
      values[spec.key] = spec.kind === 'list' ? [] : undefined;
      continue;
    }
    values[spec.key] = parseValue(spec, text.trim(), problems);
  }
  // The API reads the same variables the same way (apps/api/src/config.ts).
  values.environment ??= env.NODE_ENV === 'production' ? 'production' : 'development';
  if (
    values.environment === 'production' &&
    values.runtime === 'process' &&
    values.allowProcessRuntime !== true
  ) {
    problems.push(
      'KONTROLER_RUNTIME is "process": the controller would run tasks as shell processes on its own host, ' +
        'which production mode refuses. Use KONTROLER_RUNTIME=kubernetes, or set ' +
        'KONTROLER_ALLOW_PROCESS_RUNTIME=true to run them on this host anyway',
    );
  }
  if ((values.admissionCertFile === undefined) !== (values.admissionKeyFile === undefined)) {
    problems.push(
      'KONTROLER_ADMISSION_CERT_FILE and KONTROLER_ADMISSION_KEY_FILE go together: set both to serve the admission webhook, or neither',
    );
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      ...(values as unknown as ControllerConfig),
      identity: (values.identity as string | undefined) ?? defaults.identity,
    },
  };
}

function parseValue(spec: OptionSpec, text: string, problems: string[]): unknown {
  switch (spec.kind) {
    case 'int': {
      const n = Number(text);
      if (!Number.isInteger(n)) {
        problems.push(`${spec.env} must be a whole number, got "${text}"`);
        return undefined;
      }
      if (spec.min !== undefined && n < spec.min)
        problems.push(`${spec.env} must be at least ${spec.min}, got ${n}`);
      return n;
    }
    case 'bool':
      if (!['true', 'false', '1', '0'].includes(text))
        problems.push(`${spec.env} must be true or false, got "${text}"`);
      return text === 'true' || text === '1';
    case 'list':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'enum':
      if (!spec.choices?.includes(text))
        problems.push(`${spec.env} must be one of ${spec.choices?.join(', ')}, got "${text}"`);
      return text;
    case 'string':
      return text;
  }
}

function readConfigFile(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
): Record<string, string> {
  const flag = argv.indexOf('--config');
  const path = flag >= 0 ? argv[flag + 1] : env.KONTROLER_CONFIG;
  if (!path) return {};
  try {
    const parsed: unknown = parseYaml(readFileSync(path, 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      problems.push(`config file ${path} must hold an object of settings`);
      return {};
    }
    const known = new Set<string>(OPTIONS.map((o) => o.key));
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (!known.has(key)) problems.push(`config file ${path}: unknown setting "${key}"`);
      else out[key] = Array.isArray(value) ? value.join(',') : String(value);
    }
    return out;
  } catch (error) {
    problems.push(`config file ${path} cannot be read: ${(error as Error).message}`);
    return {};
  }
}

/** The leader-election identity when POD_NAME is not set. */
export function defaultIdentity(): string {
  return `${hostname()}-${process.pid}`;
}

/** The `--help` text: every setting with its variable, default and meaning. */
export function helpText(): string {
  const lines = [
    'kontroler-controller: runs Kontroler DAGs on Kubernetes (or as local processes).',
    '',
    'usage: kontroler-controller [--config <file.yaml|json>] [--help]',
    '',
    'Settings (environment variable, or the camelCase key in the config file):',
  ];
  for (const o of OPTIONS as readonly OptionSpec[]) {
    const def = o.required
      ? 'required'
      : o.default !== undefined && o.default !== ''
        ? `default ${o.default}`
        : 'optional';
    lines.push(`  ${o.env.padEnd(32)} ${o.description} (${def})`);
    if (o.choices) lines.push(`  ${''.padEnd(32)} one of: ${o.choices.join(', ')}`);
  }
  return lines.join('\n');
}
