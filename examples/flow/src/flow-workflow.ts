/**
 * The example pipeline as code, with core's typed workflow builder: the same DAG document as `flow.yaml`
 * (a test compares them). References are typed — `transform.outputs.nope`, or `load` reading a task that is
 * not upstream of it, do not compile.
 */
import { cel, item, tpl, workflow } from '@kontroler/core';

export const flow = workflow('flow', {
  params: {
    target: 'warehouse',
    failOn: '',
  },
});

const extract = flow.task('extract', {
  image: 'alpine:3.20',
  parameters: ['target'],
  script: `echo "listing the files to load into $target"
printf '["orders.csv", "customers.csv", "returns.csv"]' > "$KONTROLER_OUTPUTS_DIR/files"
`,
  outputs: [{ name: 'files', description: 'the files to transform, a JSON list' }],
});

// One instance per file, transform[0], transform[1], …, two at a time.
const transform = flow.task('transform', {
  after: [extract],
  image: 'alpine:3.20',
  forEach: { from: extract.outputs.files, parallelism: 2 },
  backoff: { limit: 1 },
  env: { FILE: item, FAIL_ON: flow.params.failOn },
  script: `if [ "$FILE" = "$FAIL_ON" ]; then echo "cannot parse $FILE" >&2; exit 3; fi
rows=$(printf '%s' "$FILE" | wc -c)
echo "transformed $FILE: $rows rows"
echo $rows > "$KONTROLER_OUTPUTS_DIR/rows"
`,
  outputs: ['rows'],
});

// Reads the instances' outputs as one list; skipped (ConditionFalse) when the target is "none".
flow.task('load', {
  after: [transform],
  image: 'alpine:3.20',
  when: cel`${flow.params.target} != "none" && size(${transform.outputs.rows}) > 0`,
  env: { ROWS: transform.outputs.rows, TARGET: flow.params.target },
  script: `total=$(echo "$ROWS" | tr -d '[] ' | tr ',' '\\n' | awk '{ s += $1 } END { print s }')
echo "loading $total rows into $TARGET"
echo $total > "$KONTROLER_OUTPUTS_DIR/loaded"
`,
  outputs: ['loaded'],
});

// Runs whether the transforms succeeded or not (it reads their status: a failed task's outputs cannot be read).
flow.task('audit', {
  after: [transform],
  triggerRule: 'all_done',
  image: 'alpine:3.20',
  command: ['sh', '-c'],
  args: [tpl`echo "transform ${transform.status}" | tee "$KONTROLER_OUTPUTS_DIR/verdict"`],
  outputs: ['verdict'],
});

// Runs once the main tasks have ended, whatever the outcome.
flow.onExit('notify', {
  image: 'alpine:3.20',
  env: { STATUS: flow.run.status, FAILED: flow.run.failedTasks, FILES: extract.outputs.files },
  script: tpl`echo "run ${flow.run.id} of ${flow.run.name}: $STATUS (failed: $FAILED) for $FILES" | tee "$KONTROLER_OUTPUTS_DIR/message"
`,
  outputs: ['message'],
});
