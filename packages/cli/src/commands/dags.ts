/** `kontroler dags list|get|apply|delete|diff|versions|suspend|resume`. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { unwrap, type DagSummary, type DagVersionInfo } from '@kontroler/client';
import { loadOneDag } from '../documents/check.js';
import { EXIT } from '../exit-codes.js';
import { println } from '../io.js';
import { age, printItems, printStructured, type ListFormat } from '../output.js';
import { call, connect } from '../server/connect.js';
import { namespaceOf, scoped, type ScopeOptions } from '../server/scope.js';
import type { CommandContext } from '../context.js';

const DAG_COLUMNS = [
  { header: 'namespace', cell: (d: DagSummary) => d.namespace },
  { header: 'name', cell: (d: DagSummary) => d.name },
  { header: 'version', cell: (d: DagSummary) => String(d.latestVersion) },
  { header: 'tasks', cell: (d: DagSummary) => String(d.taskCount) },
  { header: 'schedule', cell: (d: DagSummary) => d.schedule ?? '-' },
  { header: 'suspended', cell: (d: DagSummary) => (d.suspended ? 'yes' : 'no') },
  { header: 'last run', cell: (d: DagSummary) => d.lastRun?.state ?? '-', wide: true },
  { header: 'next run', cell: (d: DagSummary) => d.nextRunAt ?? '-', wide: true },
  { header: 'age', cell: (d: DagSummary) => age(d.updatedAt) },
];

const VERSION_COLUMNS = [
  { header: 'version', cell: (v: DagVersionInfo) => String(v.version) },
  { header: 'hash', cell: (v: DagVersionInfo) => v.hash.slice(0, 12) },
  { header: 'created by', cell: (v: DagVersionInfo) => v.createdBy ?? '-' },
  { header: 'age', cell: (v: DagVersionInfo) => age(v.createdAt) },
];

export function registerDags(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  const server = () => program.opts<{ server?: string }>().server;
  const dags = program
    .command('dags')
    .description('DAGs stored on the server')
    .addHelpText(
      'after',
      '\nExamples:\n  kontroler dags apply -f etl.yaml\n  kontroler dags list -A\n  kontroler dags diff etl --from 1 --to 2',
    );
  const format = (o: ScopeOptions) => o.output as ListFormat;

  scoped(dags.command('list').alias('ls').description('list DAGs'), { list: true })
    .option('--search <text>', 'only DAGs whose name contains this')
    .addHelpText(
      'after',
      '\nExamples:\n  kontroler dags list\n  kontroler dags list -A -o wide\n  kontroler dags list -n etl -o json',
    )
    .action(
      ctx.action(async (options: ScopeOptions & { search?: string }) => {
        const c = await connect(io, server());
        const query = {
          ...(options.allNamespaces ? {} : { namespace: namespaceOf(options, io.env) }),
          ...(options.search ? { search: options.search } : {}),
          limit: 200,
        };
        const page = await call(c, unwrap(c.client.GET('/api/v1/dags', { params: { query } })));
        printItems(io.stdout, format(options), page.items, DAG_COLUMNS);
        return EXIT.ok;
      }),
    );

  scoped(dags.command('get').description('show a DAG: its latest version and document'))
    .argument('<name>', 'the DAG')
    .addHelpText(
      'after',
      '\nExamples:\n  kontroler dags get etl\n  kontroler dags get etl -n analytics -o yaml',
    )
    .action(
      ctx.action(async (name: string, options: ScopeOptions) => {
        const c = await connect(io, server());
        const namespace = namespaceOf(options, io.env);
        const detail = await call(
          c,
          unwrap(
            c.client.GET('/api/v1/namespaces/{namespace}/dags/{name}', {
              params: { path: { namespace, name } },
            }),
          ),
        );
        printItems(io.stdout, format(options), [detail.dag], DAG_COLUMNS, detail);
        return EXIT.ok;
      }),
    );

  scoped(dags.command('apply').description('create or update a DAG from a file (checked here first)'))
    .requiredOption('-f, --filename <file>', 'a .yaml, .json or .dsl file holding one DAG')
    .option('--name <name>', 'the name of a DSL DAG (default: the file name)')
    .addHelpText(
      'after',
      `
An unchanged document makes no new version. The namespace is -n, else the document's, else "default".

Examples:
  kontroler dags apply -f etl.yaml
  kontroler dags apply -f nightly.dsl -n analytics`,
    )
    .action(
      ctx.action(async (options: ScopeOptions & { filename: string; name?: string }) => {
        const { dag } = await loadOneDag(resolve(io.cwd, options.filename), options.filename, options);
        const namespace = options.namespace ?? dag.spec.namespace ?? namespaceOf(options, io.env);
        const c = await connect(io, server());
        const saved = await call(
          c,
          unwrap(
            c.client.PUT('/api/v1/namespaces/{namespace}/dags/{name}', {
              params: { path: { namespace, name: dag.name } },
              body: { ...dag.spec },
            }),
          ),
        );
        if (format(options) === 'json' || format(options) === 'yaml') {
          printStructured(io.stdout, format(options) as 'json' | 'yaml', saved);
        } else {
          const what = saved.created
            ? `saved as version ${saved.version.version}`
            : `unchanged (version ${saved.version.version})`;
          println(io.stdout, `dag ${namespace}/${dag.name} ${what}`);
        }
        return EXIT.ok;
      }),
    );

  dags
    .command('delete')
    .description('delete a DAG and its versions')
    .argument('<name>', 'the DAG')
    .option('-n, --namespace <namespace>', 'the namespace (default: KONTROLER_NAMESPACE, else "default")')
    .addHelpText('after', '\nExamples:\n  kontroler dags delete etl -n analytics')
    .action(
      ctx.action(async (name: string, options: { namespace?: string }) => {
        const c = await connect(io, server());
        const namespace = namespaceOf({ ...options, output: 'table' }, io.env);
        await call(
          c,
          unwrap(
            c.client.DELETE('/api/v1/namespaces/{namespace}/dags/{name}', {
              params: { path: { namespace, name } },
            }),
          ),
        );
        println(io.stdout, `dag ${namespace}/${name} deleted`);
        return EXIT.ok;
      }),
    );

  scoped(dags.command('versions').description('list the versions of a DAG'))
    .argument('<name>', 'the DAG')
    .addHelpText('after', '\nExamples:\n  kontroler dags versions etl')
    .action(
      ctx.action(async (name: string, options: ScopeOptions) => {
        const c = await connect(io, server());
        const namespace = namespaceOf(options, io.env);
        const page = await call(
          c,
          unwrap(
            c.client.GET('/api/v1/namespaces/{namespace}/dags/{name}/versions', {
              params: { path: { namespace, name } },
            }),
          ),
        );
        printItems(io.stdout, format(options), page.items, VERSION_COLUMNS, page);
        return EXIT.ok;
      }),
    );

  dags
    .command('diff')
    .description('show what changed between two versions of a DAG (unified diff)')
    .argument('<name>', 'the DAG')
    .option('-n, --namespace <namespace>', 'the namespace (default: KONTROLER_NAMESPACE, else "default")')
    .option('--from <version>', 'the older version (default: the one before --to)', (v) =>
      Number.parseInt(v, 10),
    )
    .option('--to <version>', 'the newer version (default: the latest)', (v) => Number.parseInt(v, 10))
    .addHelpText(
      'after',
      '\nExit status: 0 when the versions are the same, 1 when they differ.\n\nExamples:\n  kontroler dags diff etl\n  kontroler dags diff etl --from 1 --to 3',
    )
    .action(
      ctx.action(async (name: string, options: { namespace?: string; from?: number; to?: number }) => {
        const c = await connect(io, server());
        const namespace = namespaceOf({ ...options, output: 'table' }, io.env);
        // Both ends are required by the API: the latest version and the one before it, unless given.
        const to =
          options.to ??
          (
            await call(
              c,
              unwrap(
                c.client.GET('/api/v1/namespaces/{namespace}/dags/{name}', {
                  params: { path: { namespace, name } },
                }),
              ),
            )
          ).dag.latestVersion;
        const query = { from: options.from ?? Math.max(1, to - 1), to };
        const diff = await call(
          c,
          unwrap(
            c.client.GET('/api/v1/namespaces/{namespace}/dags/{name}/diff', {
              params: { path: { namespace, name }, query },
            }),
          ),
        );
        io.stdout.write(
          diff.unified.endsWith('\n') || diff.unified === '' ? diff.unified : `${diff.unified}\n`,
        );
        // As diff(1) and `kubectl diff`: differences are exit 1, so scripts can test for them.
        return diff.changes.length > 0 ? EXIT.failure : EXIT.ok;
      }),
    );

  for (const verb of ['suspend', 'resume'] as const) {
    dags
      .command(verb)
      .description(
        verb === 'suspend'
          ? 'stop the schedule of a DAG (manual runs still run)'
          : 'start the schedule of a DAG again',
      )
      .argument('<name>', 'the DAG')
      .option('-n, --namespace <namespace>', 'the namespace (default: KONTROLER_NAMESPACE, else "default")')
      .addHelpText('after', `\nExamples:\n  kontroler dags ${verb} nightly-etl`)
      .action(
        ctx.action(async (name: string, options: { namespace?: string }) => {
          const c = await connect(io, server());
          const namespace = namespaceOf({ ...options, output: 'table' }, io.env);
          const path =
            verb === 'suspend'
              ? '/api/v1/namespaces/{namespace}/dags/{name}/suspend'
              : '/api/v1/namespaces/{namespace}/dags/{name}/resume';
          await call(c, unwrap(c.client.POST(path, { params: { path: { namespace, name } } })));
          println(io.stdout, `dag ${namespace}/${name} ${verb === 'suspend' ? 'suspended' : 'resumed'}`);
          return EXIT.ok;
        }),
      );
  }
}
