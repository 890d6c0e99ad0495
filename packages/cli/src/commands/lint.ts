/** `kontroler lint FILE|DIR...`: every problem of every Kontroler document, placed at its line and column. */
import type { Command } from 'commander';
import { checkText } from '../documents/check.js';
import { formatIssue, type PlacedIssue } from '../documents/issue-format.js';
import { formatOf } from '../documents/sources.js';
import { expandPaths } from '../documents/walk.js';
import { readDocumentFile } from '../documents/check.js';
import { EXIT } from '../exit-codes.js';
import { println } from '../io.js';
import type { CommandContext } from '../context.js';

/** What `-o json` prints: one entry per file, then the totals. */
export interface LintReport {
  readonly files: readonly {
    readonly file: string;
    readonly documents: number;
    readonly errors: readonly PlacedIssue[];
    readonly warnings: readonly PlacedIssue[];
  }[];
  readonly errorCount: number;
  readonly warningCount: number;
}

async function lint(paths: readonly string[], ctx: CommandContext): Promise<LintReport> {
  const found = await expandPaths(paths, ctx.io.cwd);
  const files: LintReport['files'][number][] = [];
  for (const { path, display } of found) {
    if (formatOf(path) === undefined) {
      const issue: PlacedIssue = {
        file: display,
        severity: 'error',
        code: 'UNKNOWN_FORMAT',
        where: '-',
        message: 'not a DAG file (expected .yaml, .yml, .json, .dsl or .kdsl)',
      };
      files.push({ file: display, documents: 0, errors: [issue], warnings: [] });
      continue;
    }
    const { format, text } = await readDocumentFile(path);
    const documents = checkText(display, format, text);
    files.push({
      file: display,
      documents: documents.length,
      errors: documents.flatMap((d) => d.errors),
      warnings: documents.flatMap((d) => d.warnings),
    });
  }
  const count = (key: 'errors' | 'warnings') => files.reduce((n, f) => n + f[key].length, 0);
  return { files, errorCount: count('errors'), warningCount: count('warnings') };
}

export function registerLint(program: Command, ctx: CommandContext): void {
  program
    .command('lint')
    .description('check DAG files (YAML manifests, JSON, DSL) the way the server will')
    .argument('<paths...>', 'files, or directories searched for .yaml, .yml, .json, .dsl and .kdsl files')
    .option('-o, --output <format>', 'text or json', 'text')
    .addHelpText(
      'after',
      `
Each problem is printed as  file:line:col  task.field  message.
Exit status: 0 when no file has errors (warnings allowed), 1 when one has, 2 on bad usage.

Examples:
  kontroler lint etl.yaml
  kontroler lint dags/ pipelines/nightly.dsl
  kontroler lint -o json dags/ > lint.json`,
    )
    .action(
      ctx.action(async (paths: string[], options: { output: string }) => {
        const output = ctx.outputFormat(options.output, ['text', 'json']);
        const report = await lint(paths, ctx);
        if (output === 'json') {
          println(ctx.io.stdout, JSON.stringify(report, null, 2));
        } else {
          for (const file of report.files) {
            // In file order, as an editor shows them; issues without a place (JSON values) first.
            const issues = [...file.errors, ...file.warnings].sort(
              (a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
            );
            for (const issue of issues) println(ctx.io.stdout, formatIssue(issue));
          }
          const checked = report.files.length;
          const summary =
            `${checked} file${checked === 1 ? '' : 's'} checked: ` +
            `${report.errorCount} error${report.errorCount === 1 ? '' : 's'}, ` +
            `${report.warningCount} warning${report.warningCount === 1 ? '' : 's'}`;
          println(ctx.io.stderr, summary);
        }
        return report.errorCount > 0 ? EXIT.failure : EXIT.ok;
      }),
    );
}
