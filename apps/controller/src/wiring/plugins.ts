/**
 * Plugins named in the configuration, loaded by package name with a dynamic import. A module provides its
 * plugin as its default export or as a `plugin` export. Paths (`./x.js`, `/abs/x.js`) load files, for
 * plugins that are not installed as packages.
 */
import type { Plugin } from '@kontroler/core';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ControllerStartError } from './errors.js';

export type ModuleImporter = (specifier: string) => Promise<unknown>;

const defaultImporter: ModuleImporter = (specifier) => import(specifier);

function isPlugin(value: unknown): value is Plugin {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { name?: unknown }).name === 'string' &&
    (value as { name: string }).name !== '' &&
    typeof (value as { setup?: unknown }).setup === 'function'
  );
}

function specifierOf(name: string): string {
  if (name.startsWith('.') || isAbsolute(name)) return pathToFileURL(resolve(name)).href;
  return name;
}

/** Imports each named module and returns its plugin; a missing or malformed one is a start-up error. */
export async function loadPlugins(
  names: readonly string[],
  importer: ModuleImporter = defaultImporter,
): Promise<Plugin[]> {
  const plugins: Plugin[] = [];
  for (const name of names) {
    let module: unknown;
    try {
      module = await importer(specifierOf(name));
    } catch (error) {
      throw new ControllerStartError(
        'PLUGIN_NOT_FOUND',
        `plugin "${name}" could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    const exports = (module ?? {}) as { default?: unknown; plugin?: unknown };
    const candidate = isPlugin(exports.default) ? exports.default : exports.plugin;
    if (!isPlugin(candidate)) {
      throw new ControllerStartError(
        'PLUGIN_INVALID',
        `plugin "${name}" exports no Plugin: its default export or its "plugin" export must be an object ` +
          `{ name: string, setup(host) }`,
      );
    }
    plugins.push(candidate);
  }
  return plugins;
}
