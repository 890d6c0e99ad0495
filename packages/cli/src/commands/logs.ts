/** `kontroler logs RUN [TASK] [-f]`: the log of a run's tasks (their latest attempts), each line prefixed. */
import type { Command } from 'commander';
import { unwrap, type Attempt } from '@kontroler/client';
import { CliError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import { println } from '../io.js';
import { call, connect, type Connection } from '../server/connect.js';
import { namespaceOf } from '../server/scope.js';
import type { CommandContext } from '../context.js';

const LOGS = '/api/v1/namespaces/{namespace}/runs/{id}/attempts/{attemptId}/logs' as const;

/** The latest attempt of each task (or of `task`), in the order the run made them. */
function latestAttempts(attempts: readonly Attempt[], task: string | undefined): Attempt[] {
  const latest = new Map<string, Attempt>();
  for (const a of attempts) {
    if (task !== undefined && a.taskName !== task) continue;
    const seen = latest.get(a.taskName);
    if (seen === undefined || a.attempt > seen.attempt) latest.set(a.taskName, a);
  }
  return [...latest.values()].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
}

export function registerLogs(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  const server = () => program.opts<{ server?: string }>().server;
  program
    .command('logs')
    .description('print the log of a run, or of one of its tasks')
    .argument('<run>', 'the run id')
    .argument('[task]', 'only this task (its latest attempt)')
    .option('-n, --namespace <namespace>', 'the namespace (default: KONTROLER_NAMESPACE, else "default")')
    .option('-f, --follow', 'keep printing until the attempt ends')
    .addHelpText(
      'after',
      `
Without TASK every task's latest attempt is printed, each line prefixed with its task.

Examples:
  kontroler logs 5f0c…
  kontroler logs 5f0c… load -f`,
    )
    .action(
      ctx.action(
        async (id: string, task: string | undefined, options: { namespace?: string; follow?: boolean }) => {
          const c = await connect(io, server());
          const namespace = namespaceOf({ ...options, output: 'table' }, io.env);
          const detail = await call(
            c,
            unwrap(
              c.client.GET('/api/v1/namespaces/{namespace}/runs/{id}', {
                params: { path: { namespace, id } },
              }),
            ),
          );
          if (task !== undefined && !detail.tasks.some((t) => t.name === task)) {
            throw CliError.usage(
              `run ${id} has no task "${task}"; its tasks are: ${detail.tasks.map((t) => t.name).join(', ')}`,
            );
          }
          const prefix = (name: string) => (task === undefined ? `${name} | ` : '');
          for (const attempt of latestAttempts(detail.attempts, task)) {
            if (options.follow === true)
              await follow(
                c,
                namespace,
                id,
                attempt,
                (line) => println(io.stdout, `${prefix(attempt.taskName)}${line}`),
                io.signal,
              );
            else {
              const answer = await call(
                c,
                unwrap(
                  c.client.GET(LOGS, {
                    params: { path: { namespace, id, attemptId: attempt.id }, query: { limit: 10_000 } },
                  }),
                ),
              );
              // Without `download` the answer is JSON lines; the text form is for `download=true`.
              const lines =
                typeof answer === 'string'
                  ? answer.split('\n').filter(Boolean)
                  : answer.lines.map((l) => l.line);
              for (const line of lines) println(io.stdout, `${prefix(attempt.taskName)}${line}`);
            }
          }
          return EXIT.ok;
        },
      ),
    );
}

/** Follows one attempt's log stream until the server says it ended. */
async function follow(
  c: Connection,
  namespace: string,
  id: string,
  attempt: Attempt,
  print: (line: string) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  const stop = new AbortController();
  const abort = () => stop.abort();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    await c.client.stream(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/runs/${encodeURIComponent(id)}/attempts/${encodeURIComponent(attempt.id)}/logs/stream`,
      {
        signal: stop.signal,
        endEvents: ['end'],
        onMessage(message) {
          if (message.event !== 'log') return;
          const { line } = JSON.parse(message.data) as { line: string };
          print(line);
        },
      },
    );
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}
