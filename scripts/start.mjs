#!/usr/bin/env node
/**
 * `npm start`: builds what is missing or stale, then runs the whole system in THIS process
 * (apps/api/dist/main.js): embedded PostgreSQL, migrations, the engine, the API and the console.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Workspaces the server imports, in dependency order. */
const WORKSPACES = [
  ['@kontroler/core', 'packages/core'],
  ['@kontroler/plugins', 'packages/plugins'],
  ['@kontroler/postgres', 'packages/postgres'],
  ['@kontroler/api', 'apps/api'],
];

function newest(dir, skip = new Set(['node_modules', 'dist'])) {
  let latest = 0;
  if (!existsSync(dir)) return latest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(entry.name)) continue;
    const path = join(dir, entry.name);
    const time = entry.isDirectory() ? newest(path, skip) : statSync(path).mtimeMs;
    if (time > latest) latest = time;
  }
  return latest;
}

function stale(workspace) {
  const dir = join(root, workspace);
  const dist = join(dir, 'dist');
  if (!existsSync(dist)) return true;
  const sources = Math.max(newest(join(dir, 'src')), statSync(join(dir, 'package.json')).mtimeMs);
  return sources > newest(dist, new Set());
}

function run(args, { optional = false } = {}) {
  process.stdout.write(`> npm ${args.join(' ')}\n`);
  const result = spawnSync('npm', args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0 && optional) {
    process.stderr.write(`npm ${args.join(' ')} failed; starting without it\n`);
  } else if (result.status !== 0) {
    process.stderr.write(`npm ${args.join(' ')} failed (exit ${result.status ?? result.signal})\n`);
    process.exit(result.status ?? 1);
  }
}

for (const [name, workspace] of WORKSPACES) {
  if (stale(workspace)) run(['run', 'build', '-w', name]);
}

// The console is optional: without a build the API still starts, and says so.
if (existsSync(join(root, 'apps', 'console', 'src')) && stale('apps/console')) {
  run(['run', 'build', '-w', '@kontroler/console'], { optional: true });
}

await import(pathToFileURL(join(root, 'apps', 'api', 'dist', 'main.js')).href);
