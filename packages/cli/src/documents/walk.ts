/** Expands `FILE|DIR...` into the DAG files to read: directories recursively, by extension, sorted. */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { CliError } from '../cli-error.js';
import { formatOf } from './sources.js';

/** Directories never searched: dependencies, build output, VCS and hidden folders. */
const SKIPPED = new Set(['node_modules', 'dist']);

async function walk(dir: string, into: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.') || SKIPPED.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, into);
    else if (entry.isFile() && formatOf(entry.name) !== undefined) into.push(path);
  }
}

/** A file to read: its absolute path and the name to show (as the user wrote it, or relative to cwd). */
export interface FoundFile {
  readonly path: string;
  readonly display: string;
}

/**
 * Files named explicitly are read whatever their extension says (a wrong one is reported); directories
 * contribute their DAG files. A path that does not exist is a usage error.
 */
export async function expandPaths(paths: readonly string[], cwd: string): Promise<FoundFile[]> {
  const found: FoundFile[] = [];
  for (const given of paths) {
    const path = resolve(cwd, given);
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) throw CliError.usage(`${given}: no such file or directory`);
    if (!info.isDirectory()) {
      found.push({ path, display: given });
      continue;
    }
    const files: string[] = [];
    await walk(path, files);
    for (const file of files) found.push({ path: file, display: relative(cwd, file) || file });
  }
  return found;
}
