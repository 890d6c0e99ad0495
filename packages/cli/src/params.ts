/** `--param k=v`, repeatable: commander collects the values, this turns them into a record. */
import { CliError } from './cli-error.js';

/** Commander's collector: appends one `k=v` to the previous values. */
export function collect(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value];
}

/** `['a=1', 'b=x=y']` → `{a: '1', b: 'x=y'}`; the first `=` splits, a later value wins. */
export function parseParams(values: readonly string[] = []): Record<string, string> {
  const params: Record<string, string> = {};
  for (const entry of values) {
    const at = entry.indexOf('=');
    if (at <= 0) throw CliError.usage(`--param "${entry}" is not NAME=VALUE`);
    params[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return params;
}
