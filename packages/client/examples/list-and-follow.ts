/**
 * A runnable example of `@kontroler/client`: list the DAGs you may read, trigger one, and follow its run's
 * events until it finishes.
 *
 *   KONTROLER_URL=http://127.0.0.1:8080 KONTROLER_TOKEN=kt_… \
 *     npm run example -w @kontroler/client -- <namespace> <dag>
 *
 * Exits 0 when the run succeeded, 1 when it did not, 2 on an API problem (printed with its field errors).
 */
import { ApiProblem, createKontrolerClient, unwrap, type RunEvent } from '@kontroler/client';

const [namespace = 'default', name] = process.argv.slice(2);
const client = createKontrolerClient({
  baseUrl: process.env.KONTROLER_URL ?? 'http://127.0.0.1:8080',
  token: process.env.KONTROLER_TOKEN,
});

async function main(): Promise<number> {
  const dags = await unwrap(client.GET('/api/v1/dags', { params: { query: { namespace, limit: 20 } } }));
  for (const dag of dags.items) {
    console.log(`dag ${dag.namespace}/${dag.name} v${dag.latestVersion} (${dag.taskCount} tasks)`);
  }
  if (!name) return 0;

  // Subscribe before triggering, so no event of the new run is missed.
  const stop = new AbortController();
  let runId: string | undefined = undefined;
  const early: RunEvent[] = [];
  let finished: RunEvent | undefined;
  const onEvent = (event: RunEvent): void => {
    if (runId === undefined) return void early.push(event);
    if (event.data.run.id !== runId) return;
    const task = event.data.attempt ? ` ${event.data.attempt.taskName}` : '';
    console.log(`event ${event.event}${task}`);
    if (event.event === 'run.finished') {
      finished = event;
      stop.abort();
    }
  };
  let opened!: () => void;
  const open = new Promise<void>((resolve) => (opened = resolve));
  const following = client.runEvents({
    namespace,
    signal: stop.signal,
    onEvent,
    onStatus: (status) => status === 'open' && opened(),
  });
  await open;

  const run = await unwrap(
    client.POST('/api/v1/namespaces/{namespace}/dags/{name}/runs', {
      params: { path: { namespace, name } },
      body: { parameters: {} },
    }),
  );
  console.log(`run ${run.id} ${run.state}`);
  runId = run.id;
  for (const event of early.splice(0)) onEvent(event);
  await following;
  console.log(`run ${run.id} ${finished?.data.run.state ?? 'unknown'}`);
  return finished?.data.run.state === 'succeeded' ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (!(err instanceof ApiProblem)) throw err;
    console.error(`${err.status} ${err.code}: ${err.message}`);
    for (const e of err.errors) console.error(`  ${e.path}: ${e.message}`);
    process.exit(2);
  },
);
