#!/usr/bin/env node
/**
 * The `kontroler` (and `kubectl-kontroler`) executable. An installed package runs its build (dist/main.js)
 * with plain node. In the monorepo, where the sources sit next to it, it first rebuilds what is missing or
 * older than its sources (`tsc -b`, incremental), so `npx kontroler` works right after `npm install`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const home = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(home, 'dist', 'main.js');

/** The newest modification time under `dir` (0 when it does not exist). */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const time = entry.isDirectory() ? newest(path) : statSync(path).mtimeMs;
    if (time > latest) latest = time;
  }
  return latest;
}

/** The workspaces the CLI imports, when it runs from the monorepo. */
const workspaces = [home, ...['core', 'plugins', 'k8s-runtime'].map((name) => join(home, '..', name))];

function stale() {
  return workspaces.some((dir) => {
    const built = newest(join(dir, 'dist'));
    return (
      built === 0 || newest(join(dir, 'src')) > built || statSync(join(dir, 'package.json')).mtimeMs > built
    );
  });
}

const inMonorepo = existsSync(join(home, 'tsconfig.json')) && existsSync(join(home, 'src'));
if (inMonorepo && stale()) {
  process.stderr.write('kontroler: building the CLI and the packages it uses (tsc -b)…\n');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const built = spawnSync(process.execPath, [tsc, '-b', join(home, 'tsconfig.json')], { stdio: 'inherit' });
  if (built.status !== 0) {
    process.stderr.write('kontroler: the build failed; see the errors above\n');
    process.exit(2);
  }
}

await import(pathToFileURL(main).href);
