#!/usr/bin/env node
/**
 * `npm start`: builds what is missing or stale, then runs the whole system in THIS process
 * (apps/api/dist/main.js): embedded PostgreSQL, migrations, the engine, the API and the console.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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

// A workspace without a tsconfig.json cannot be built to dist yet: then run the server from its TypeScript
// sources (tsx) in a child process instead of from dist.
const unbuildable = WORKSPACES.filter(([, workspace]) => !existsSync(join(root, workspace, 'tsconfig.json')));
if (unbuildable.length === 0) {
  for (const [name, workspace] of WORKSPACES) {
    if (stale(workspace)) run(['run', 'build', '-w', name]);
  }
}

const consolePackage = join(root, 'apps', 'console', 'package.json');
if (existsSync(consolePackage) && !existsSync(join(root, 'apps', 'console', 'dist', 'index.html'))) {
  const scripts = JSON.parse(readFileSync(consolePackage, 'utf8')).scripts ?? {};
  if (scripts.build && existsSync(join(root, 'apps', 'console', 'src'))) {
    run(['run', 'build', '-w', '@kontroler/console'], { optional: true });
  }
}

if (unbuildable.length === 0) {
  await import(pathToFileURL(join(root, 'apps', 'api', 'dist', 'main.js')).href);
} else {
  process.stderr.write(
    `${unbuildable.map(([name]) => name).join(', ')} cannot be built yet; running from the TypeScript sources\n`,
  );
  const tsx = join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs');
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', pathToFileURL(tsx).href, join(root, 'apps', 'api', 'src', 'main.ts')],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  // Ctrl-C reaches the child through the terminal's process group; forward what is sent to us alone.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
