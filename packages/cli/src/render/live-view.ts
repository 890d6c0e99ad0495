/**
 * The live task tree of a run. On a terminal it is redrawn in place (log-update) with states and running
 * durations, log lines scrolling above it; anywhere else (a pipe, a CI log) it prints one plain line per
 * change, with no escape codes, so the output reads and greps well.
 */
import { createLogUpdate } from 'log-update';
import { println, type OutputStream } from '../io.js';
import {
  TaskTree,
  formatDuration,
  rowDuration,
  type TaskChange,
  type TaskRow,
  type TaskViewState,
} from './task-tree.js';

const SYMBOL: Readonly<Record<TaskViewState, string>> = {
  pending: '·',
  waiting: '·',
  ready: '○',
  running: '▶',
  retrying: '↻',
  succeeded: '✔',
  failed: '✖',
  skipped: '⊘',
  canceled: '■',
  awaiting: '⏸',
};

/** What a view is told. */
export interface LiveView {
  /** A task changed state. */
  task(change: TaskChange): void;
  /** A log line of a task. */
  log(task: string, line: string): void;
  /** A line about the run itself (started, finished). */
  note(text: string): void;
  /** Stops redrawing; the final tree stays on screen. */
  close(): void;
}

export interface LiveViewOptions {
  readonly tasks: readonly { readonly name: string; readonly level: number }[];
  /** Epoch ms now; durations of running tasks are measured with it. @default Date.now */
  readonly now?: () => number;
  /** How often a terminal view redraws running durations. @default 200 */
  readonly refreshMs?: number;
}

/** A row as a tree line: indentation by level, symbol, name, state, attempt and duration. */
export function treeLine(row: TaskRow, now: number, width: number): string {
  const duration = rowDuration(row, now);
  const parts = [
    `${'  '.repeat(row.level)}${SYMBOL[row.state]} ${row.name}`.padEnd(width),
    row.state.padEnd(10),
    duration === undefined ? '' : formatDuration(duration),
  ];
  if (row.attempt > 1) parts.push(`attempt ${row.attempt}`);
  if ((row.state === 'failed' || row.state === 'skipped' || row.state === 'retrying') && row.reason) {
    parts.push(row.exitCode !== null ? `${row.reason}, exit ${row.exitCode}` : row.reason);
  }
  return parts.join('  ').trimEnd();
}

/** One line per change, for output that is not a terminal. */
export function changeLine(row: TaskRow, now: number): string {
  const duration = rowDuration(row, now);
  const tail: string[] = [];
  if (row.attempt > 1) tail.push(`attempt ${row.attempt}`);
  if (row.finishedAt !== null && duration !== undefined && row.state !== 'skipped') {
    tail.push(`after ${formatDuration(duration)}`);
  }
  if (row.reason && row.state !== 'succeeded' && row.state !== 'running') {
    tail.push(row.exitCode !== null ? `${row.reason}, exit ${row.exitCode}` : row.reason);
  }
  return `${row.name}: ${row.state}${tail.length > 0 ? ` (${tail.join(', ')})` : ''}`;
}

function plainView(stream: OutputStream, tree: TaskTree, now: () => number): LiveView {
  return {
    task(change) {
      const row = tree.apply(change);
      // `ready` is a moment between waiting and running: no line of its own.
      if (row !== undefined && row.state !== 'ready' && row.state !== 'waiting')
        println(stream, changeLine(row, now()));
    },
    log: (task, line) => println(stream, `${task} | ${line}`),
    note: (text) => println(stream, text),
    close: () => undefined,
  };
}

function terminalView(stream: OutputStream, tree: TaskTree, now: () => number, refreshMs: number): LiveView {
  const update = createLogUpdate(stream);
  const width = Math.max(...tree.list().map((r) => r.name.length + 2 * r.level + 2), 8);
  const draw = () =>
    update(
      tree
        .list()
        .map((row) => treeLine(row, now(), width))
        .join('\n'),
    );
  const timer = setInterval(draw, refreshMs);
  timer.unref();
  draw();
  return {
    task(change) {
      if (tree.apply(change) !== undefined) draw();
    },
    log(task, line) {
      update.persist(`${task} | ${line}`);
      draw();
    },
    note(text) {
      update.persist(text);
      draw();
    },
    close() {
      clearInterval(timer);
      draw();
      update.done();
    },
  };
}

/** A live view on `stream`: redrawn in place on a terminal, one line per change otherwise. */
export function createLiveView(stream: OutputStream, options: LiveViewOptions): LiveView {
  const tree = new TaskTree(options.tasks);
  const now = options.now ?? Date.now;
  return stream.isTTY === true
    ? terminalView(stream, tree, now, options.refreshMs ?? 200)
    : plainView(stream, tree, now);
}
