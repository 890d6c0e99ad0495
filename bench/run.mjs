// `npm run bench -- <name>` runs bench/<name>.ts with tsx; with no name it lists the benchmarks.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();
const [name, ...rest] = process.argv.slice(2);

if (!name || !available.includes(name)) {
  if (name) console.error(`no benchmark named "${name}"`);
  console.error(`usage: npm run bench -- <${available.join('|')}>`);
  process.exit(name ? 2 : 0);
}

const tsx = join(here, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');
if (!existsSync(tsx)) {
  console.error('tsx is missing: run npm install first');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--expose-gc', tsx, '--conditions=source', join(here, `${name}.ts`), ...rest],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
