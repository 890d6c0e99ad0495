/** `kontroler run FILE [--param k=v]`: runs a DAG here, drawing the live task tree; exit status from the run. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { previewPlan } from '@kontroler/core';
import { CliError } from '../cli-error.js';
import { loadOneDag } from '../documents/check.js';
import { EXIT } from '../exit-codes.js';
import { println } from '../io.js';
import { collect, parseParams } from '../params.js';
import { createLiveView } from '../render/live-view.js';
import { formatDuration } from '../render/task-tree.js';
import type { CommandContext } from '../context.js';
import { runLocally, treeRows } from './local-run.js';

export function registerRun(program: Command, ctx: CommandContext): void {
  program
    .command('run')
    .description('run a DAG on this machine (process runtime, in-memory store), no server needed')
    .argument('<file>', 'a file holding one DAG')
    .option('-p, --param <name=value>', 'a run parameter (repeatable)', collect, [])
    .option('--name <name>', 'the name of a DSL DAG (default: the file name)')
    .addHelpText(
      'after',
      `
Tasks run as child processes of this command: their image is ignored and their command or script runs on
this machine, with the task's parameters as environment variables ({fromSecret: x} reads KONTROLER_SECRET_x).
On a terminal the task tree is redrawn in place; otherwise one line is printed per change. Log lines are
prefixed with their task. Ctrl-C cancels the run.
Exit status: 0 when the run succeeded, 1 when it failed or was canceled, 2 on bad usage, 130 on Ctrl-C.

Examples:
  kontroler run hello.yaml
  kontroler run etl.dsl --param date=2026-12-01 | tee run.log`,
    )
    .action(
      ctx.action(async (file: string, options: { param?: string[]; name?: string }) => {
        const { io } = ctx;
        const { dag } = await loadOneDag(resolve(io.cwd, file), file, options);
        const parameters = parseParams(options.param);
        const problems = previewPlan(dag, { parameters }).problems;
        if (problems.length > 0) {
          throw CliError.usage(
            'the parameters do not fit the DAG',
            problems.map((p) => p.message),
          );
        }
        const view = createLiveView(io.stdout, { tasks: treeRows(dag) });
        const result = await (async () => {
          try {
            return await runLocally(dag, {
              parameters,
              view,
              env: io.env,
              ...(io.signal ? { signal: io.signal } : {}),
            });
          } finally {
            view.close();
          }
        })();
        const { run, attempts } = result;
        const took =
          run.finishedAt !== null && run.startedAt !== null
            ? ` in ${formatDuration(run.finishedAt - run.startedAt)}`
            : '';
        if (run.state === 'succeeded') {
          println(io.stdout, `run ${run.id} succeeded${took}`);
          return EXIT.ok;
        }
        const failed = attempts.filter((a) => a.state === 'failed');
        // The last attempt of each failed task is the one that ended it.
        const names = [...new Set(failed.map((a) => a.taskName))];
        const why = names.map((name) => {
          const last = failed.filter((a) => a.taskName === name).at(-1);
          const code = last?.exitCode != null ? `exit code ${last.exitCode}` : (last?.reason ?? 'failed');
          return `${name} (${code})`;
        });
        const detail = why.length > 0 ? `: failed task${why.length === 1 ? '' : 's'} ${why.join(', ')}` : '';
        println(io.stdout, `run ${run.id} ${run.state}${took}${detail}`);
        return io.signal?.aborted === true ? EXIT.interrupted : EXIT.failure;
      }),
    );
}
