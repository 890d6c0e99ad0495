/** `kontroler runs rerun-task|mark-task`: task-level actions of a run (docs/task-actions.md). */
import type { Command } from 'commander';
import { unwrap } from '@kontroler/client';
import { CliError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import { println } from '../io.js';
import type { CommandContext } from '../context.js';
import { call, connect } from '../server/connect.js';
import { namespaceOf } from '../server/scope.js';

const PATH = '/api/v1/namespaces/{namespace}/runs/{id}/tasks/{task}' as const;
const NAMESPACE_HELP = 'the namespace (default: KONTROLER_NAMESPACE, else "default")';

/** Adds `rerun-task` and `mark-task` to the `runs` command. */
export function registerTaskActions(
  runs: Command,
  ctx: CommandContext,
  server: () => string | undefined,
): void {
  const { io } = ctx;
  runs
    .command('rerun-task')
    .description(
      'run one task of a run again (a finished run reopens); --downstream reruns every task below it too',
    )
    .argument('<run>', 'the run id')
    .argument('<task>', 'the task name')
    .option('--downstream', 'rerun every task below it too')
    .option('-n, --namespace <namespace>', NAMESPACE_HELP)
    .addHelpText('after', '\nExamples:\n  kontroler runs rerun-task 5f0c… load --downstream')
    .action(
      ctx.action(async (id: string, task: string, options: { namespace?: string; downstream?: boolean }) => {
        const c = await connect(io, server());
        const namespace = namespaceOf({ ...options, output: 'table' }, io.env);
        const result = await call(
          c,
          unwrap(
            c.client.POST(`${PATH}/rerun`, {
              params: { path: { namespace, id, task } },
              body: { downstream: options.downstream === true },
            }),
          ),
        );
        const tasks = result.attempts.map((a) => a.taskName).join(', ');
        println(io.stdout, `run ${result.run.id} (${result.run.state}): rerunning ${tasks}`);
        return EXIT.ok;
      }),
    );
  runs
    .command('mark-task')
    .description(
      'record a task as succeeded or failed without running it, so that what is below it proceeds or stops',
    )
    .argument('<run>', 'the run id')
    .argument('<task>', 'the task name')
    .argument('<state>', 'succeeded or failed')
    .option('--reason <text>', 'why, kept on the attempt and in the audit log')
    .option('-n, --namespace <namespace>', NAMESPACE_HELP)
    .addHelpText(
      'after',
      '\nExamples:\n  kontroler runs mark-task 5f0c… load succeeded --reason "loaded by hand"',
    )
    .action(
      ctx.action(
        async (id: string, task: string, state: string, options: { namespace?: string; reason?: string }) => {
          if (state !== 'succeeded' && state !== 'failed') {
            throw CliError.usage(`state must be succeeded or failed, not "${state}"`);
          }
          const c = await connect(io, server());
          const namespace = namespaceOf({ ...options, output: 'table' }, io.env);
          const result = await call(
            c,
            unwrap(
              c.client.POST(`${PATH}/mark`, {
                params: { path: { namespace, id, task } },
                body: { state, ...(options.reason === undefined ? {} : { reason: options.reason }) },
              }),
            ),
          );
          println(io.stdout, `run ${result.run.id} (${result.run.state}): ${task} marked ${state}`);
          return EXIT.ok;
        },
      ),
    );
}
