/**
 * `kontroler convert FILE --to yaml|dsl|json`: the same DAG in another format, losslessly. The DSL cannot
 * say everything a manifest can (podTemplate, webhook, workspace…): converting such a DAG to DSL is refused
 * with the fields that would be lost, never done by dropping them.
 */
import type { Command } from 'commander';
import {
  DEFAULT_BACKOFF_LIMIT,
  canonicalJson,
  parseDsl,
  printDsl,
  toManifest,
  type DagSpec,
} from '@kontroler/core';
import { CliError } from '../cli-error.js';
import { loadOneDag } from '../documents/check.js';
import { EXIT } from '../exit-codes.js';
import { println } from '../io.js';
import type { CommandContext } from '../context.js';
import { resolve } from 'node:path';

/** The target formats. */
export const CONVERT_FORMATS = ['yaml', 'dsl', 'json'] as const;
export type ConvertFormat = (typeof CONVERT_FORMATS)[number];

/** Paths (`tasks[0].podTemplate`, `webhook`) where `after` differs from `before`. */
function differences(before: unknown, after: unknown, at = ''): string[] {
  if (canonicalJson(before) === canonicalJson(after)) return [];
  const isRecord = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((b, i) => differences(b, after[i], `${at}[${i}]`));
  }
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => differences(before[k], after[k], at === '' ? k : `${at}.${k}`));
  }
  return [at === '' ? '(the document)' : at];
}

/**
 * The DAG with the defaults the DSL writes out made explicit (`backoff.limit` 3, conditional retries off):
 * a task without them and one with them are the same task, and the DSL cannot tell them apart.
 */
export function withTaskDefaults(spec: DagSpec): DagSpec {
  return {
    ...spec,
    tasks: spec.tasks.map((t) => ({
      ...t,
      backoff: t.backoff ?? { limit: DEFAULT_BACKOFF_LIMIT },
      conditional: t.conditional ?? { enabled: false, retryCodes: [] },
    })),
  };
}

/**
 * The DAG as text in `format`. Name and namespace live outside a DSL file (its file name, the apply
 * target), so they are the only fields a DSL conversion leaves out.
 */
export function convertDag(spec: DagSpec, format: ConvertFormat): string {
  if (format === 'json') return `${JSON.stringify(spec, null, 2)}\n`;
  if (format === 'yaml') return toManifest(spec);
  const text = printDsl(spec);
  const back = parseDsl(text, { name: spec.name });
  const { namespace: _namespace, ...expressible } = withTaskDefaults(spec);
  const lost = back.ok
    ? differences(expressible, withTaskDefaults(back.dag))
    : ['(the DSL printer produced unreadable text)'];
  if (lost.length > 0) {
    throw new CliError(
      `the DSL cannot express ${lost.length === 1 ? 'this field' : 'these fields'} of DAG ${spec.name}; ` +
        'convert to yaml, or keep them in a manifest next to spec.dsl',
      EXIT.failure,
      lost,
    );
  }
  return text;
}

export function registerConvert(program: Command, ctx: CommandContext): void {
  program
    .command('convert')
    .description('convert a DAG between YAML manifest, JSON and DSL, losslessly')
    .argument('<file>', 'a .yaml, .yml, .json, .dsl or .kdsl file holding one DAG')
    .requiredOption('--to <format>', 'yaml (a Kontroler DAG manifest), json (a DagSpec) or dsl')
    .option('--name <name>', 'the name of a DSL DAG (default: the file name)')
    .addHelpText(
      'after',
      `
A DAG that uses fields the DSL has no syntax for (podTemplate, webhook, workspace, taskRef, …) is not
converted to DSL: the fields are listed and the exit status is 1. A DSL file has no name of its own; it
takes the file's name unless --name is given.

Examples:
  kontroler convert etl.yaml --to dsl > etl.dsl
  kontroler convert etl.dsl --to yaml --name nightly-etl
  kontroler convert etl.yaml --to json | jq .tasks`,
    )
    .action(
      ctx.action(async (file: string, options: { to: string; name?: string }) => {
        const to = ctx.outputFormat(options.to, CONVERT_FORMATS, '--to');
        const { dag } = await loadOneDag(resolve(ctx.io.cwd, file), file, options);
        ctx.io.stdout.write(convertDag(dag.spec as DagSpec, to));
        if (to === 'dsl' && dag.spec.namespace !== undefined) {
          println(ctx.io.stderr, `note: the DSL has no namespace; apply it with -n ${dag.spec.namespace}`);
        }
        return EXIT.ok;
      }),
    );
}
