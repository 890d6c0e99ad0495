/** `-n/--namespace` and `-A/--all-namespaces`, as kubectl has them. */
import { Option, type Command } from 'commander';
import { LIST_FORMATS } from '../output.js';

export interface ScopeOptions {
  readonly namespace?: string;
  readonly allNamespaces?: boolean;
  readonly output: string;
}

/** Adds `-n` (and `-A` for lists) and `-o` to a command. */
export function scoped(command: Command, options: { list?: boolean } = {}): Command {
  command.option(
    '-n, --namespace <namespace>',
    'the namespace (default: KONTROLER_NAMESPACE, else "default")',
  );
  if (options.list === true) command.option('-A, --all-namespaces', 'every namespace you may read');
  return command.addOption(
    new Option('-o, --output <format>', 'output format').choices(LIST_FORMATS).default('table'),
  );
}

/** The namespace a command works in. */
export function namespaceOf(
  options: ScopeOptions,
  env: Readonly<Record<string, string | undefined>>,
): string {
  return options.namespace ?? env['KONTROLER_NAMESPACE'] ?? 'default';
}
