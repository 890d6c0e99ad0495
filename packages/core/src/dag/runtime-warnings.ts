/**
 * Warnings that depend on where a DAG runs, not on the document alone: a host whose runtime cannot run
 * container images (the process runtime of `npm start`) runs a task's command on the host and ignores its
 * image, so a Kontroler manifest that calls `/scripts/prepare.sh` inside its image fails with exit 127.
 * Browser-safe: the console shows the same warnings while the user types.
 */
import type { DagIssue } from './issues.js';
import { pointer } from './pointer.js';
import type { DagSpec } from './schema.js';

/** What the host that runs the DAG can do. */
export interface RuntimeCapabilities {
  /** The default runtime's name (`process`, `kubernetes`, …). */
  readonly runtime: string;
  /** Whether it runs each task in the task's container image. */
  readonly runsImages: boolean;
}

/**
 * One `IMAGE_IGNORED` warning per container task that names an image, when the runtime does not run
 * images; none otherwise. Plugin task types (`type: http`) have no image to ignore.
 */
export function runtimeWarnings(spec: Pick<DagSpec, 'tasks'>, capabilities: RuntimeCapabilities): DagIssue[] {
  if (capabilities.runsImages) return [];
  const warnings: DagIssue[] = [];
  spec.tasks.forEach((task, i) => {
    if (task.image === undefined || task.image === '' || task.type !== undefined) return;
    warnings.push({
      code: 'IMAGE_IGNORED',
      path: pointer('tasks', i, 'image'),
      task: task.name,
      message:
        `task "${task.name}" names image ${task.image}, but the ${capabilities.runtime} runtime of this ` +
        'server ignores images and runs the command on the host',
    });
  });
  return warnings;
}
