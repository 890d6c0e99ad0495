/**
 * `kontroler plan FILE [--param k=v]`: core's `previewPlan` (levels, critical path, condition skips) as a
 * table, or as JSON/YAML; with `--task NAME`, the pod the Kubernetes runtime would create for that task.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { previewPlan, type CompiledDag, type ParameterValue, type PlanPreview } from '@kontroler/core';
import { CliError } from '../cli-error.js';
import { loadOneDag } from '../documents/check.js';
import { EXIT } from '../exit-codes.js';
import { println, type OutputStream } from '../io.js';
import { formatTable, printStructured } from '../output.js';
import { collect, parseParams } from '../params.js';
import type { CommandContext } from '../context.js';

const show = (value: ParameterValue): string =>
  'value' in value ? value.value : `<secret ${value.fromSecret}>`;

/** The preview as text: a header, the parameters, the critical path, then one row per task. */
export function printPreview(stream: OutputStream, preview: PlanPreview): void {
  const count = preview.tasks.length;
  println(
    stream,
    `DAG ${preview.dag}: ${count} task${count === 1 ? '' : 's'} in ${preview.levels.length} levels`,
  );
  if (preview.parameters.length > 0) {
    const list = preview.parameters.map(
      (p) => `${p.name}=${show(p.value)}${p.source === 'default' ? ' (default)' : ''}`,
    );
    println(stream, `Parameters: ${list.join(', ')}`);
  }
  const path = preview.criticalPath;
  println(
    stream,
    `Critical path (${path.tasks.length} task${path.tasks.length === 1 ? '' : 's'}): ${path.tasks.join(' → ')}`,
  );
  const skipped = preview.tasks.filter((t) => t.outcome === 'skip').length;
  const maybe = preview.tasks.filter((t) => t.outcome === 'maybe').length;
  if (skipped + maybe > 0) println(stream, `Conditions: ${skipped} skipped, ${maybe} decided during the run`);
  println(stream);
  const rows = preview.tasks.map((t) => [
    String(t.level),
    t.onCriticalPath ? `${t.name} *` : t.name,
    t.runAfter.length > 0 ? t.runAfter.join(',') : '-',
    t.outcome,
    t.message === undefined ? '' : `${t.reason}: ${t.message}`,
  ]);
  for (const line of formatTable(['level', 'task', 'after', 'will', 'why'], rows)) println(stream, line);
  println(stream);
  println(stream, '* on the critical path');
}

/** The pod the Kubernetes runtime would create for the task's first attempt. */
async function renderPod(
  dag: CompiledDag,
  preview: PlanPreview,
  taskName: string,
  namespace: string,
): Promise<unknown> {
  const task = dag.tasks.get(taskName);
  if (task === undefined) {
    throw CliError.usage(`DAG ${dag.name} has no task "${taskName}"; its tasks are: ${dag.order.join(', ')}`);
  }
  // Loaded only here: the Kubernetes client is large, and no other offline command needs it.
  const { buildPod } = await import('@kontroler/k8s-runtime');
  const wanted = new Set(task.spec.parameters ?? []);
  const parameters: Record<string, ParameterValue> = {};
  for (const p of preview.parameters) if (wanted.has(p.name)) parameters[p.name] = p.value;
  return buildPod({
    attemptId: 'preview',
    runId: 'preview',
    dagName: dag.name,
    dagVersion: 1,
    namespace,
    taskName,
    attempt: 1,
    task: task.spec,
    ...(dag.spec.workspace !== undefined ? { workspace: dag.spec.workspace } : {}),
    parameters,
  });
}

interface PlanOptions {
  readonly param?: string[];
  readonly task?: string;
  readonly output?: string;
  readonly name?: string;
  readonly namespace?: string;
}

export function registerPlan(program: Command, ctx: CommandContext): void {
  program
    .command('plan')
    .description("show what a run would do: levels, critical path, condition skips, a task's pod")
    .argument('<file>', 'a file holding one DAG')
    .option('-p, --param <name=value>', 'a run parameter (repeatable)', collect, [])
    .option('--task <name>', 'render the pod this task would run in')
    .option('-o, --output <format>', 'text, json or yaml (with --task: yaml or json)')
    .option('--name <name>', 'the name of a DSL DAG (default: the file name)')
    .option(
      '-n, --namespace <namespace>',
      "the namespace of the rendered pod (default: the DAG's, else default)",
    )
    .addHelpText(
      'after',
      `
Tasks of one level may run in parallel; the critical path is the longest chain of tasks. A task whose
\`when\` condition is false for these parameters is "skip", one whose condition needs run-time data "maybe".
Exit status: 0, 1 when the DAG is invalid, 2 on bad usage or an unknown parameter.

Examples:
  kontroler plan etl.yaml
  kontroler plan etl.yaml --param env=prod -o json
  kontroler plan etl.yaml --task load -o yaml`,
    )
    .action(
      ctx.action(async (file: string, options: PlanOptions) => {
        const { dag } = await loadOneDag(resolve(ctx.io.cwd, file), file, options);
        const preview = previewPlan(dag, { parameters: parseParams(options.param) });
        if (preview.problems.length > 0) {
          throw CliError.usage(
            'the parameters do not fit the DAG',
            preview.problems.map((p) => p.message),
          );
        }
        if (options.task !== undefined) {
          const format = ctx.outputFormat(options.output ?? 'yaml', ['yaml', 'json']);
          const namespace = options.namespace ?? dag.spec.namespace ?? 'default';
          printStructured(ctx.io.stdout, format, await renderPod(dag, preview, options.task, namespace));
          return EXIT.ok;
        }
        const format = ctx.outputFormat(options.output ?? 'text', ['text', 'json', 'yaml']);
        if (format === 'text') printPreview(ctx.io.stdout, preview);
        else printStructured(ctx.io.stdout, format, preview);
        return EXIT.ok;
      }),
    );
}
