/**
 * Type test of the workflow builder, checked by `tsc` (npm run typecheck), not run: each `@ts-expect-error`
 * below must stay an error, or the typecheck fails with "Unused '@ts-expect-error' directive". So a reference
 * to an undeclared output or to a task that is not upstream is proven to be a compile error.
 */
import { cel, tpl, workflow } from '../../src/index.js';

const wf = workflow('types', { params: { date: '2026-01-01' } });
const extract = wf.task('extract', { image: 'alpine:3', command: ['true'], outputs: ['rows', 'files'] });
const other = wf.task('other', { image: 'alpine:3', command: ['true'], outputs: ['rows'] });
const check = wf.task('check', {
  after: [extract],
  image: 'alpine:3',
  command: ['true'],
  outputs: ['errors'],
});

// Allowed: direct upstream, transitive upstream, parameters, run fields.
wf.task('ok-direct', {
  after: [extract],
  image: 'alpine:3',
  command: ['echo'],
  args: [extract.outputs.rows],
});
wf.task('ok-transitive', {
  after: [check],
  image: 'alpine:3',
  command: ['echo'],
  args: [tpl`${extract.outputs.files} ${check.outputs.errors} ${wf.params.date} ${wf.run.id}`],
  when: cel`${extract.outputs.rows} > 0`,
  forEach: { from: extract.outputs.files },
});

// @ts-expect-error — `nope` is not a declared output of extract
void extract.outputs.nope;

// @ts-expect-error — `dates` is not a declared parameter
void wf.params.dates;

wf.task('bad-args', {
  after: [extract],
  image: 'alpine:3',
  command: ['echo'],
  // @ts-expect-error — `other` is not upstream of this task
  args: [other.outputs.rows],
});

wf.task('bad-template', {
  after: [check],
  image: 'alpine:3',
  command: ['echo'],
  // @ts-expect-error — a template reading `other`, which is not upstream
  script: tpl`echo ${other.outputs.rows}`,
});

wf.task('bad-condition', {
  after: [extract],
  image: 'alpine:3',
  command: ['true'],
  // @ts-expect-error — a condition reading `check`, which is downstream of extract, not upstream here
  when: cel`${check.outputs.errors} == 0`,
});

wf.task('bad-fan-out', {
  image: 'alpine:3',
  command: ['true'],
  // @ts-expect-error — a fan-out over an output of a task that is not upstream (no `after` at all)
  forEach: { from: extract.outputs.files },
});

wf.task('bad-env', {
  after: [other],
  image: 'alpine:3',
  command: ['true'],
  // @ts-expect-error — env reading extract, which is not upstream of this task
  env: { ROWS: extract.outputs.rows },
});

wf.task('bad-parameter', {
  image: 'alpine:3',
  command: ['true'],
  // @ts-expect-error — the task may only ask for declared parameters
  parameters: ['nope'],
});

wf.task('function-outputs', {
  outputs: ['total'],
  // @ts-expect-error — a function returns only its declared outputs
  run: () => ({ totl: 1 }),
});
