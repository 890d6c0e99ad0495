/** `kontroler runs submit|list|get|cancel|retry|watch` (and `rerun-task|mark-task`, task-actions.ts). */
import type { Command } from 'commander';
import { unwrap, type Attempt, type Run, type RunDetail } from '@kontroler/client';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { println } from '../io.js';
import { age, printItems, printStructured, type ListFormat } from '../output.js';
import { collect, parseParams } from '../params.js';
import { formatDuration } from '../render/task-tree.js';
import { call, connect } from '../server/connect.js';
import { namespaceOf, scoped, type ScopeOptions } from '../server/scope.js';
import type { CommandContext } from '../context.js';
import { registerTaskActions } from './task-actions.js';
import { watchRun } from './watch.js';

const RUN_COLUMNS = [
  { header: 'namespace', cell: (r: Run) => r.namespace, wide: true },
  { header: 'id', cell: (r: Run) => r.id },
  { header: 'dag', cell: (r: Run) => r.dagName },
  { header: 'version', cell: (r: Run) => String(r.dagVersion), wide: true },
  { header: 'state', cell: (r: Run) => r.state },
  { header: 'trigger', cell: (r: Run) => r.trigger, wide: true },
  { header: 'duration', cell: (r: Run) => (r.durationMs === null ? '-' : formatDuration(r.durationMs)) },
  { header: 'age', cell: (r: Run) => age(r.createdAt) },
];

const ATTEMPT_COLUMNS = [
  { header: 'task', cell: (a: Attempt) => a.taskName },
  { header: 'attempt', cell: (a: Attempt) => String(a.attempt) },
  { header: 'state', cell: (a: Attempt) => a.state },
  { header: 'exit', cell: (a: Attempt) => (a.exitCode === null ? '-' : String(a.exitCode)) },
  { header: 'reason', cell: (a: Attempt) => a.reason ?? '-' },
  { header: 'duration', cell: (a: Attempt) => (a.durationMs === null ? '-' : formatDuration(a.durationMs)) },
  { header: 'id', cell: (a: Attempt) => a.id, wide: true },
];

/** A finished run's exit status: 0 succeeded, 1 failed or canceled. */
export function runExit(run: Run): ExitCode {
  return run.state === 'succeeded' ? EXIT.ok : EXIT.failure;
}

function summary(detail: RunDetail): string {
  const { run } = detail;
  const took = run.durationMs === null ? '' : ` in ${formatDuration(run.durationMs)}`;
  const failed = [...new Set(detail.attempts.filter((a) => a.state === 'failed').map((a) => a.taskName))];
  return `run ${run.id} ${run.state}${took}${failed.length > 0 ? `: failed ${failed.join(', ')}` : ''}`;
}

export function registerRuns(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  const server = () => program.opts<{ server?: string }>().server;
  const runs = program
    .command('runs')
    .description('runs on the server')
    .addHelpText(
      'after',
      '\nExamples:\n  kontroler runs submit etl --param day=2026-12-01 --watch\n  kontroler runs list --state failed\n  kontroler runs retry RUN_ID',
    );
  const format = (o: ScopeOptions) => o.output as ListFormat;
  const path = '/api/v1/namespaces/{namespace}/runs/{id}' as const;

  scoped(runs.command('submit').description('start a run of a DAG'))
    .argument('<dag>', 'the DAG to run')
    .option('-p, --param <name=value>', 'a run parameter (repeatable)', collect, [])
    .option('-w, --watch', 'draw the run live until it finishes; exit status from its outcome')
    .addHelpText(
      'after',
      '\nExamples:\n  kontroler runs submit etl --param day=2026-12-01\n  kontroler runs submit etl -n analytics --watch',
    )
    .action(
      ctx.action(async (dag: string, options: ScopeOptions & { param?: string[]; watch?: boolean }) => {
        const c = await connect(io, server());
        const namespace = namespaceOf(options, io.env);
        const run = await call(
          c,
          unwrap(
            c.client.POST('/api/v1/namespaces/{namespace}/dags/{name}/runs', {
              params: { path: { namespace, name: dag } },
              body: { parameters: parseParams(options.param) },
            }),
          ),
        );
        if (options.watch !== true) {
          if (format(options) === 'json' || format(options) === 'yaml')
            printStructured(io.stdout, format(options) as 'json', run);
          else println(io.stdout, `run ${run.id} of ${namespace}/${dag} submitted`);
          return EXIT.ok;
        }
        println(io.stdout, `run ${run.id} of ${namespace}/${dag} submitted`);
        const detail = await watchRun(io, c, namespace, run.id);
        println(io.stdout, summary(detail));
        return io.signal?.aborted ? EXIT.interrupted : runExit(detail.run);
      }),
    );

  scoped(runs.command('list').alias('ls').description('list runs, newest first'), { list: true })
    .option('--dag <name>', 'only runs of this DAG')
    .option('--state <state>', 'only runs in this state (pending, running, succeeded, failed, canceled)')
    .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10), 50)
    .addHelpText(
      'after',
      '\nExamples:\n  kontroler runs list\n  kontroler runs list -A --state failed -o wide',
    )
    .action(
      ctx.action(async (options: ScopeOptions & { dag?: string; state?: string; limit: number }) => {
        const c = await connect(io, server());
        const query = {
          ...(options.allNamespaces ? {} : { namespace: namespaceOf(options, io.env) }),
          ...(options.dag ? { dag: options.dag } : {}),
          ...(options.state ? { state: options.state as Run['state'] } : {}),
          limit: options.limit,
        };
        const page = await call(c, unwrap(c.client.GET('/api/v1/runs', { params: { query } })));
        printItems(io.stdout, format(options), page.items, RUN_COLUMNS);
        return EXIT.ok;
      }),
    );

  scoped(runs.command('get').description('show a run and its task attempts'))
    .argument('<run>', 'the run id')
    .addHelpText('after', '\nExamples:\n  kontroler runs get 5f0c…\n  kontroler runs get 5f0c… -o yaml')
    .action(
      ctx.action(async (id: string, options: ScopeOptions) => {
        const c = await connect(io, server());
        const namespace = namespaceOf(options, io.env);
        const detail = await call(c, unwrap(c.client.GET(path, { params: { path: { namespace, id } } })));
        if (format(options) === 'json' || format(options) === 'yaml') {
          printStructured(io.stdout, format(options) as 'json', detail);
          return EXIT.ok;
        }
        println(
          io.stdout,
          `run ${detail.run.id} of ${detail.run.namespace}/${detail.run.dagName} v${detail.run.dagVersion}: ${detail.run.state}`,
        );
        println(io.stdout);
        printItems(io.stdout, format(options), detail.attempts, ATTEMPT_COLUMNS);
        return EXIT.ok;
      }),
    );

  for (const verb of ['cancel', 'retry'] as const) {
    runs
      .command(verb)
      .description(
        verb === 'cancel'
          ? 'cancel a run: what has not started never will, what runs is stopped'
          : 'run the failed tasks of a failed or canceled run again',
      )
      .argument('<run>', 'the run id')
      .option('-n, --namespace <namespace>', 'the namespace (default: KONTROLER_NAMESPACE, else "default")')
      .addHelpText('after', `\nExamples:\n  kontroler runs ${verb} 5f0c…`)
      .action(
        ctx.action(async (id: string, options: { namespace?: string }) => {
          const c = await connect(io, server());
          const namespace = namespaceOf({ ...options, output: 'table' }, io.env);
          const run =
            verb === 'cancel'
              ? await call(
                  c,
                  unwrap(c.client.POST(`${path}/cancel`, { params: { path: { namespace, id } } })),
                )
              : await call(
                  c,
                  unwrap(c.client.POST(`${path}/retry`, { params: { path: { namespace, id } }, body: {} })),
                );
          println(
            io.stdout,
            `run ${run.id} ${verb === 'cancel' ? 'cancel requested' : 'retried'} (${run.state})`,
          );
          return EXIT.ok;
        }),
      );
  }

  registerTaskActions(runs, ctx, server);

  runs
    .command('watch')
    .description('draw a run live until it finishes (resumes after a dropped connection)')
    .argument('<run>', 'the run id')
    .option('-n, --namespace <namespace>', 'the namespace (default: KONTROLER_NAMESPACE, else "default")')
    .addHelpText(
      'after',
      '\nExit status: 0 when the run succeeded, 1 when it failed or was canceled, 130 on Ctrl-C.\n\nExamples:\n  kontroler runs watch 5f0c…',
    )
    .action(
      ctx.action(async (id: string, options: { namespace?: string }) => {
        const c = await connect(io, server());
        const namespace = namespaceOf({ ...options, output: 'table' }, io.env);
        const detail = await watchRun(io, c, namespace, id);
        println(io.stdout, summary(detail));
        return io.signal?.aborted ? EXIT.interrupted : runExit(detail.run);
      }),
    );
}
