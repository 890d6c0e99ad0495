#!/usr/bin/env node
/**
 * Prints the gzip size of every JavaScript chunk of the build and fails when the initial chunks —
 * the entry script and what index.html preloads — exceed the budget (400 KB gzipped by default,
 * BUDGET_KB to override). Lazy route chunks are listed but not counted.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = join(import.meta.dirname, '..', 'dist');
const budgetKb = Number(process.env.BUDGET_KB ?? 400);
const html = readFileSync(join(dist, 'index.html'), 'utf8');

const initial = new Set();
for (const m of html.matchAll(/<script[^>]+src="([^"]+\.js)"/g)) initial.add(m[1]);
for (const m of html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"/g)) initial.add(m[1]);
for (const m of html.matchAll(/<link[^>]+href="([^"]+\.js)"[^>]+rel="modulepreload"/g)) initial.add(m[1]);
const initialCss = [...html.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+\.css)"/g)].map((m) => m[1]);

function walk(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const kb = (n) => (n / 1024).toFixed(1).padStart(8);
const rows = walk(dist)
  .filter((p) => p.endsWith('.js') || p.endsWith('.css'))
  .map((p) => {
    const rel = '/' + relative(dist, p).split('\\').join('/');
    const buf = readFileSync(p);
    return {
      rel,
      raw: buf.length,
      gz: gzipSync(buf, { level: 9 }).length,
      initial: initial.has(rel) || initialCss.includes(rel),
    };
  })
  .sort((a, b) => Number(b.initial) - Number(a.initial) || b.gz - a.gz);

console.log(`\n${'chunk'.padEnd(52)} ${'raw KB'.padStart(8)} ${'gzip KB'.padStart(8)}  kind`);
for (const r of rows)
  console.log(`${r.rel.padEnd(52)} ${kb(r.raw)} ${kb(r.gz)}  ${r.initial ? 'initial' : 'lazy'}`);
const initialJs = rows.filter((r) => r.initial && r.rel.endsWith('.js'));
const total = initialJs.reduce((s, r) => s + r.gz, 0);
const lazy = rows.filter((r) => !r.initial && r.rel.endsWith('.js')).reduce((s, r) => s + r.gz, 0);
console.log(
  `\ninitial JavaScript: ${(total / 1024).toFixed(1)} KB gzipped in ${initialJs.length} chunk(s) (budget ${budgetKb} KB); lazy chunks: ${(lazy / 1024).toFixed(1)} KB`,
);
if (initialJs.length === 0) {
  console.error('budget: no initial script found in dist/index.html');
  process.exit(1);
}
if (total > budgetKb * 1024) {
  console.error(
    `budget: initial JavaScript is over budget by ${((total - budgetKb * 1024) / 1024).toFixed(1)} KB`,
  );
  process.exit(1);
}
