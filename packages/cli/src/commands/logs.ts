/** `kontroler logs RUN [TASK] [-f]`: the log of a run's tasks (their latest attempts), each line prefixed. */
import type { Command } from 'commander';
import { unwrap, type Attempt, type RunDetail } from '@kontroler/client';
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
          if (options.follow === true) {
            const print = (attempt: Attempt) => (line: string) =>
              println(io.stdout, `${prefix(attempt.taskName)}${line}`);
            await followRun(
              c,
              namespace,
              detail,
              task,
              (attempt) => follow(c, namespace, id, attempt, print(attempt), io.signal),
              io.signal,
            );
            return EXIT.ok;
          }
          for (const attempt of latestAttempts(detail.attempts, task)) {
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
          return EXIT.ok;
        },
      ),
    );
}

/**
 * Follows the logs of a run: every attempt already made, at once, and — while the run goes on — each attempt
 * that starts later (from the run's event stream), until the run has finished and every log has ended.
 */
async function followRun(
  c: Connection,
  namespace: string,
  detail: RunDetail,
  task: string | undefined,
  followAttempt: (attempt: Attempt) => Promise<void>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const started = new Set<string>();
  const following: Promise<void>[] = [];
  const start = (attempt: Attempt) => {
    if (started.has(attempt.id) || (task !== undefined && attempt.taskName !== task)) return;
    started.add(attempt.id);
    following.push(followAttempt(attempt));
  };
  latestAttempts(detail.attempts, task).forEach(start);
  if (!['succeeded', 'failed', 'canceled'].includes(detail.run.state)) {
    const stop = new AbortController();
    const abort = () => stop.abort();
    signal?.addEventListener('abort', abort, { once: true });
    await c.client.runEvents({
      runId: detail.run.id,
      namespace,
      signal: stop.signal,
      onEvent(event) {
        if (event.event === 'task.started' && event.data.attempt) start(event.data.attempt);
        if (event.event === 'run.finished') stop.abort();
      },
      // What started between reading the run and the stream opening is in the run's detail.
      onStatus(status) {
        if (status !== 'open') return;
        void c.client
          .GET('/api/v1/namespaces/{namespace}/runs/{id}', {
            params: { path: { namespace, id: detail.run.id } },
          })
          .then(({ data }) => {
            if (data === undefined) return;
            latestAttempts(data.attempts, task).forEach(start);
            if (['succeeded', 'failed', 'canceled'].includes(data.run.state)) stop.abort();
          }, abort);
      },
    });
    signal?.removeEventListener('abort', abort);
  }
  // A started attempt's log ends when the attempt does; wait for the last line of each.
  for (let i = 0; i < following.length; i++) await following[i];
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
