import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { ApiProblem, api, type ProblemFieldError, type SaveDagResult } from '../api';
import {
  canonicalJson,
  DEFAULT_BACKOFF_LIMIT,
  dslToSpec,
  specToDsl,
  specToYaml,
  yamlToSpec,
  type DagIssue,
  type DagSpec,
  type TaskSpec,
} from '../dag/core';
import { layoutDag, withExitEdges, type XY } from '../composables/useDagLayout';
import { useValidation } from '../composables/useValidation';

/** A task on the canvas: a stable id (the node id) and its document. Renaming keeps the id. */
export interface EditorTask {
  id: string;
  spec: TaskSpec;
  /** An exit handler (the DAG's `onExit`): runs once the run has finished, whatever the outcome. */
  exit?: boolean;
}

export interface EditorEdge {
  id: string;
  source: string;
  target: string;
}

/** The fields of the side panel that an issue can point at. */
export type TaskField =
  | 'name'
  | 'image'
  | 'command'
  | 'args'
  | 'script'
  | 'runAfter'
  | 'backoff'
  | 'retryCodes'
  | 'parameters'
  | 'timeoutSeconds'
  | 'podTemplate'
  | 'type'
  | 'when'
  | 'triggerRule'
  | 'forEach'
  | 'outputs'
  | 'env';

/** The DAG's own fields; its `tasks` and `onExit` are the canvas's tasks. */
export type DagMeta = Omit<DagSpec, 'tasks' | 'onExit'>;

const CODE_FIELD: Partial<Record<DagIssue['code'], TaskField>> = {
  INVALID_NAME: 'name',
  DUPLICATE_TASK: 'name',
  MISSING_IMAGE: 'image',
  NO_COMMAND: 'command',
  COMMAND_AND_SCRIPT: 'command',
  UNKNOWN_DEPENDENCY: 'runAfter',
  SELF_DEPENDENCY: 'runAfter',
  CYCLE: 'runAfter',
  RETRY_CODE_RANGE: 'retryCodes',
  UNDECLARED_PARAMETER: 'parameters',
  INVALID_CONDITION: 'when',
  INVALID_FOR_EACH: 'forEach',
  DUPLICATE_OUTPUT: 'outputs',
};

const PATH_FIELD: Record<string, TaskField> = {
  name: 'name',
  image: 'image',
  command: 'command',
  args: 'args',
  script: 'script',
  runAfter: 'runAfter',
  backoff: 'backoff',
  conditional: 'retryCodes',
  parameters: 'parameters',
  timeoutSeconds: 'timeoutSeconds',
  podTemplate: 'podTemplate',
  type: 'type',
  when: 'when',
  triggerRule: 'triggerRule',
  forEach: 'forEach',
  outputs: 'outputs',
  env: 'env',
};

/** `/tasks/3/…` or `/onExit/1/…`: which list and index a path points into. */
const TASK_PATH = /^\/(tasks|onExit)\/(\d+)(?:\/([^/]+))?/;

/** The list (`tasks` or `onExit`) and index an issue's path points into, or null. */
export function taskPathOf(path: string): { list: 'tasks' | 'onExit'; index: number } | null {
  const m = TASK_PATH.exec(path);
  return m ? { list: m[1] as 'tasks' | 'onExit', index: Number(m[2]) } : null;
}

/** The side-panel field an issue is about, from its code first and its JSON path second. */
export function fieldOf(issue: Pick<DagIssue, 'code' | 'path'>): TaskField | undefined {
  const m = TASK_PATH.exec(issue.path);
  const byPath = m?.[3] ? PATH_FIELD[m[3]] : undefined;
  return byPath ?? CODE_FIELD[issue.code as DagIssue['code']];
}

/** Edge ids in a cycle, from CYCLE issues' `cycle` lists (either direction between neighbours). */
export function cycleEdgeIds(
  issues: readonly DagIssue[],
  edges: readonly EditorEdge[],
  idOf: (name: string) => string | undefined,
): Set<string> {
  const out = new Set<string>();
  const byPair = new Map<string, string>();
  for (const e of edges) byPair.set(`${e.source}\u0000${e.target}`, e.id);
  for (const issue of issues) {
    if (issue.code !== 'CYCLE' || !issue.cycle) continue;
    const ids = issue.cycle.map(idOf);
    for (let i = 0; i + 1 < ids.length; i++) {
      const a = ids[i];
      const b = ids[i + 1];
      if (!a || !b) continue;
      const fwd = byPair.get(`${a}\u0000${b}`);
      const back = byPair.get(`${b}\u0000${a}`);
      if (fwd) out.add(fwd);
      if (back) out.add(back);
    }
  }
  return out;
}

/** Task fields the DSL does not express; an applied DSL edit keeps them from the canvas. */
const DSL_SILENT_TASK_FIELDS = [
  'podTemplate',
  'timeoutSeconds',
  'type',
  'with',
  'taskRef',
  'scriptInjectorImage',
] as const;

/** A server's field error as an issue of the document (its `code` is one of core's, as the server validated with core). */
function asIssue(e: ProblemFieldError): DagIssue {
  return { ...e, code: e.code as DagIssue['code'] };
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

let idSeq = 0;
function newId(): string {
  idSeq += 1;
  return `t${Date.now().toString(36)}${idSeq}`;
}

/**
 * The DAG editor's state: the document as tasks with stable ids, node positions, the selection,
 * validation with core's `validateDag` (issues by task and field, cycle edges), and the YAML and
 * DSL views kept in sync with the canvas both ways.
 */
export const useEditorStore = defineStore('editor', () => {
  const meta = ref<DagMeta>({ name: '' });
  const tasks = ref<EditorTask[]>([]);
  const positions = ref<Record<string, XY>>({});
  const selectedId = ref<string | null>(null);
  /** The name the DAG was loaded under; null for a new DAG (saved with POST). */
  const originalName = ref<string | null>(null);
  const baseline = ref('');
  /** Problems of the YAML or DSL text the user typed (the canvas keeps its last good state). */
  const textErrors = shallowRef<DagIssue[]>([]);
  const saving = ref(false);
  const saveError = ref<unknown>(null);

  /** The canvas's main tasks and exit handlers, each in canvas order (what `/tasks/N` and `/onExit/N` index). */
  const mainTasks = computed(() => tasks.value.filter((t) => !t.exit));
  const exitTasks = computed(() => tasks.value.filter((t) => t.exit));

  const spec = computed<DagSpec>(() => {
    const onExit = exitTasks.value.map((t) => clone(t.spec));
    const out: DagSpec = {
      ...clone(meta.value),
      tasks: mainTasks.value.map((t) => clone(t.spec)),
      ...(onExit.length ? { onExit } : {}),
    };
    for (const key of Object.keys(out) as (keyof DagSpec)[]) if (out[key] === undefined) delete out[key];
    return out;
  });
  // Canonical (sorted keys) so that a YAML or DSL round trip that only reorders keys is no change.
  const serialized = computed(() => canonicalJson(spec.value));
  const dirty = computed(() => serialized.value !== baseline.value);

  const idByName = computed(() => {
    const m = new Map<string, string>();
    for (const t of tasks.value) if (!m.has(t.spec.name)) m.set(t.spec.name, t.id);
    return m;
  });

  const edges = computed<EditorEdge[]>(() => {
    const out: EditorEdge[] = [];
    for (const t of tasks.value)
      for (const parent of t.spec.runAfter ?? []) {
        const source = idByName.value.get(parent);
        if (source) out.push({ id: `${source}->${t.id}`, source, target: t.id });
      }
    return out;
  });

  /** The edges plus, for the layout only, each main leaf → each first exit handler: exit handlers go last. */
  const layoutEdges = computed(() =>
    withExitEdges(
      tasks.value.map((t) => ({ id: t.id, exit: t.exit })),
      edges.value,
    ),
  );

  const checked = useValidation(() => spec.value);
  const valid = checked.valid;
  /** A new DAG nobody has edited yet: it is empty, not wrong, so it shows no problems. */
  const pristine = computed(() => originalName.value === null && !dirty.value);
  /** The problems shown to the user (none while pristine); `valid` is always the real verdict. */
  const issues = computed(() => (pristine.value ? [] : checked.issues.value));

  /**
   * What the server said when the last save was refused, until the document changes: its errors carry
   * the same model paths as the browser's, so they show at their fields too.
   */
  const refused = shallowRef<{ document: string; issues: readonly DagIssue[] } | null>(null);
  const serverIssues = computed(() =>
    refused.value?.document === serialized.value ? refused.value.issues : [],
  );

  /** The task a `/tasks/N…` or `/onExit/N…` path points at. */
  function idAtPath(path: string): string | undefined {
    const at = taskPathOf(path);
    if (!at) return undefined;
    return (at.list === 'tasks' ? mainTasks.value : exitTasks.value)[at.index]?.id;
  }

  /** Issues per task id (by the issue's `/tasks/N` or `/onExit/N` path, else its task name). */
  const issuesByTask = computed(() => {
    const out = new Map<string, DagIssue[]>();
    for (const issue of [...issues.value, ...serverIssues.value]) {
      let id = idAtPath(issue.path);
      if (!id && issue.task) id = idByName.value.get(issue.task);
      if (issue.code === 'CYCLE' && issue.cycle) {
        for (const name of new Set(issue.cycle)) {
          const cid = idByName.value.get(name);
          if (cid) out.set(cid, [...(out.get(cid) ?? []), issue]);
        }
        continue;
      }
      if (id) out.set(id, [...(out.get(id) ?? []), issue]);
    }
    return out;
  });
  /** Issues about the DAG itself (name, schedule, parameters). */
  const dagIssues = computed(() =>
    [...issues.value, ...serverIssues.value].filter(
      (i) => !taskPathOf(i.path) && !i.task && i.code !== 'CYCLE',
    ),
  );
  const cycleEdges = computed(() => cycleEdgeIds(issues.value, edges.value, (n) => idByName.value.get(n)));

  function fieldErrors(id: string): Partial<Record<TaskField, string>> {
    const out: Partial<Record<TaskField, string>> = {};
    for (const issue of issuesByTask.value.get(id) ?? []) {
      const f = fieldOf(issue);
      if (f && !out[f]) out[f] = issue.message;
    }
    return out;
  }

  const selected = computed(() => tasks.value.find((t) => t.id === selectedId.value) ?? null);

  function taskById(id: string): EditorTask | undefined {
    return tasks.value.find((t) => t.id === id);
  }

  /** Replaces the document; keeps positions of tasks whose names survive and lays out the rest. */
  function setDocument(doc: DagSpec, keepPositions = true): void {
    const oldPos = new Map<string, XY>();
    if (keepPositions)
      for (const t of tasks.value) if (positions.value[t.id]) oldPos.set(t.spec.name, positions.value[t.id]!);
    const oldIds = new Map(tasks.value.map((t) => [t.spec.name, t.id]));
    const { tasks: docTasks, onExit, ...rest } = clone(doc);
    meta.value = rest;
    tasks.value = [
      ...(docTasks ?? []).map((spec) => ({ id: oldIds.get(spec.name) ?? newId(), spec })),
      ...(onExit ?? []).map((spec) => ({ id: oldIds.get(spec.name) ?? newId(), spec, exit: true })),
    ];
    const missing = tasks.value.some((t) => !oldPos.has(t.spec.name));
    const laid = missing
      ? layoutDag(
          tasks.value.map((t) => t.id),
          layoutEdges.value,
        )
      : {};
    const next: Record<string, XY> = {};
    for (const t of tasks.value) next[t.id] = oldPos.get(t.spec.name) ?? laid[t.id] ?? { x: 0, y: 0 };
    positions.value = next;
    if (selectedId.value && !taskById(selectedId.value)) selectedId.value = null;
  }

  /** Opens a document for editing (`name` null for a new DAG). */
  function open(doc: DagSpec, name: string | null): void {
    tasks.value = [];
    positions.value = {};
    selectedId.value = null;
    textErrors.value = [];
    saveError.value = null;
    refused.value = null;
    setDocument(doc, false);
    originalName.value = name;
    // A new DAG starts clean too: leaving it untouched loses nothing, so it is no unsaved change.
    baseline.value = serialized.value;
  }

  function newDag(name = ''): void {
    open({ name, tasks: [] }, null);
  }

  function uniqueName(base: string): string {
    const taken = new Set(tasks.value.map((t) => t.spec.name));
    if (!taken.has(base)) return base;
    for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
  }

  function addTask(partial: Partial<TaskSpec> = {}, at?: XY): string {
    const id = newId();
    const name = uniqueName(partial.name ?? `task-${tasks.value.length + 1}`);
    const spec: TaskSpec = { image: 'alpine:3.20', command: ['sh', '-c', 'echo hello'], ...partial, name };
    tasks.value.push({ id, spec });
    const maxY = Math.max(-100, ...Object.values(positions.value).map((p) => p.y));
    positions.value[id] = at ?? { x: 40 + ((tasks.value.length - 1) % 4) * 240, y: maxY + 120 };
    selectedId.value = id;
    return id;
  }

  function removeTask(id: string): void {
    const t = taskById(id);
    if (!t) return;
    const name = t.spec.name;
    tasks.value = tasks.value.filter((x) => x.id !== id);
    for (const other of tasks.value) {
      if (other.spec.runAfter?.includes(name)) {
        other.spec.runAfter = other.spec.runAfter.filter((n) => n !== name);
        if (other.spec.runAfter.length === 0) delete other.spec.runAfter;
      }
    }
    delete positions.value[id];
    if (selectedId.value === id) selectedId.value = null;
  }

  /** Draws a dependency: `targetId` runs after `sourceId`. Returns false when it already exists. */
  function connect(sourceId: string, targetId: string): boolean {
    const source = taskById(sourceId);
    const target = taskById(targetId);
    if (!source || !target) return false;
    const after = target.spec.runAfter ?? [];
    if (after.includes(source.spec.name)) return false;
    target.spec.runAfter = [...after, source.spec.name];
    return true;
  }

  function disconnect(sourceId: string, targetId: string): void {
    const source = taskById(sourceId);
    const target = taskById(targetId);
    if (!source || !target?.spec.runAfter) return;
    target.spec.runAfter = target.spec.runAfter.filter((n) => n !== source.spec.name);
    if (target.spec.runAfter.length === 0) delete target.spec.runAfter;
  }

  /** Renames a task and every `runAfter` that names it. */
  function renameTask(id: string, name: string): void {
    const t = taskById(id);
    if (!t || t.spec.name === name) return;
    const old = t.spec.name;
    t.spec.name = name;
    for (const other of tasks.value)
      if (other.id !== id && other.spec.runAfter?.includes(old))
        other.spec.runAfter = other.spec.runAfter.map((n) => (n === old ? name : n));
  }

  /**
   * Makes a task an exit handler (or a main task again). Dependencies across the two groups are dropped:
   * exit handlers form their own small DAG and run after every main task anyway.
   */
  function setExit(id: string, exit: boolean): void {
    const t = taskById(id);
    if (!t || !!t.exit === exit) return;
    const otherSide = new Set(tasks.value.filter((x) => !!x.exit !== exit).map((x) => x.spec.name));
    const kept = (t.spec.runAfter ?? []).filter((n) => !otherSide.has(n));
    if (exit) t.exit = true;
    else delete t.exit;
    updateTask(id, { runAfter: kept.length ? kept : undefined });
    for (const other of tasks.value)
      if (other.id !== id && !!other.exit !== exit && other.spec.runAfter?.includes(t.spec.name)) {
        const rest = other.spec.runAfter.filter((n) => n !== t.spec.name);
        updateTask(other.id, { runAfter: rest.length ? rest : undefined });
      }
  }

  /** Sets task fields; `undefined` removes a field. */
  function updateTask(id: string, patch: Partial<TaskSpec>): void {
    const t = taskById(id);
    if (!t) return;
    if (patch.name !== undefined && patch.name !== t.spec.name) renameTask(id, patch.name);
    const next: Record<string, unknown> = { ...t.spec };
    for (const [k, v] of Object.entries(patch)) {
      if (k === 'name') continue;
      if (v === undefined) delete next[k];
      else next[k] = v;
    }
    t.spec = next as TaskSpec;
  }

  function updateMeta(patch: Partial<DagMeta>): void {
    const next: Record<string, unknown> = { ...meta.value };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || v === '') delete next[k];
      else next[k] = v;
    }
    if (typeof next.name !== 'string') next.name = '';
    meta.value = next as DagMeta;
  }

  function setPosition(id: string, xy: XY): void {
    positions.value[id] = { x: Math.round(xy.x), y: Math.round(xy.y) };
  }

  function autoLayout(): void {
    positions.value = layoutDag(
      tasks.value.map((t) => t.id),
      layoutEdges.value,
    );
  }

  function select(id: string | null): void {
    selectedId.value = id;
  }

  const yaml = computed(() => safePrint(specToYaml));
  const dsl = computed(() => safePrint(specToDsl));

  function safePrint(print: (s: DagSpec) => string): string {
    try {
      return print(spec.value);
    } catch (err) {
      return `# cannot print this document yet: ${err instanceof Error ? err.message : String(err)}\n`;
    }
  }

  /** Applies edited YAML to the canvas when it parses; otherwise keeps the canvas and reports why. */
  function applyYaml(text: string): boolean {
    const r = yamlToSpec(text);
    if (!r.ok) {
      textErrors.value = r.errors;
      return false;
    }
    textErrors.value = [];
    setDocument(r.spec);
    return true;
  }

  function applyDsl(text: string): boolean {
    const r = dslToSpec(text, meta.value.name);
    if (!r.ok) {
      textErrors.value = r.errors;
      return false;
    }
    textErrors.value = [];
    // The DSL cannot say everything (namespace, descriptions, podTemplate, timeouts, …): keep what
    // it leaves out from the current document, task by task.
    const {
      schedule: _s,
      parameters: _p,
      activeDeadlineSeconds: _d,
      onExitFailsRun: _f,
      ...keptMeta
    } = meta.value;
    const before = new Map(tasks.value.map((t) => [t.spec.name, t.spec]));
    const keepSilent = (t: TaskSpec): TaskSpec => {
      const old = before.get(t.name);
      // The parser fills defaults in; drop them where the canvas had none, so an unchanged DSL is no change.
      const parsed: TaskSpec = { ...t };
      if (parsed.backoff?.limit === DEFAULT_BACKOFF_LIMIT && old?.backoff === undefined)
        delete parsed.backoff;
      if (
        parsed.conditional &&
        !parsed.conditional.enabled &&
        parsed.conditional.retryCodes.length === 0 &&
        old?.conditional === undefined
      )
        delete parsed.conditional;
      if (!old) return parsed;
      const extra: Partial<TaskSpec> = {};
      for (const key of DSL_SILENT_TASK_FIELDS)
        if (old[key] !== undefined) (extra as Record<string, unknown>)[key] = old[key];
      return { ...parsed, ...extra };
    };
    const merged = r.spec.tasks.map(keepSilent);
    const onExit = r.spec.onExit?.map(keepSilent);
    setDocument({
      ...keptMeta,
      ...r.spec,
      name: meta.value.name || r.spec.name,
      tasks: merged,
      ...(onExit ? { onExit } : {}),
    });
    return true;
  }

  function clearTextErrors(): void {
    textErrors.value = [];
  }

  /** Saves a new version (POST for a new DAG, PUT otherwise). */
  async function save(): Promise<SaveDagResult> {
    saving.value = true;
    saveError.value = null;
    try {
      // The namespace is the path's (a DAG is (namespace, name)); the server puts it into the document.
      const { namespace: chosen, ...doc } = spec.value;
      const namespace = chosen || 'default';
      const result =
        originalName.value === null
          ? await api.dags.create(namespace, doc)
          : await api.dags.update({ namespace, name: originalName.value }, doc);
      originalName.value = result.dag.name;
      baseline.value = serialized.value;
      return result;
    } catch (err) {
      saveError.value = err;
      if (err instanceof ApiProblem)
        refused.value = { document: serialized.value, issues: err.errors.map(asIssue) };
      throw err;
    } finally {
      saving.value = false;
    }
  }

  return {
    meta,
    tasks,
    positions,
    selectedId,
    selected,
    originalName,
    textErrors,
    saving,
    saveError,
    spec,
    dirty,
    pristine,
    edges,
    issues,
    valid,
    issuesByTask,
    dagIssues,
    cycleEdges,
    serverIssues,
    yaml,
    dsl,
    fieldErrors,
    open,
    newDag,
    setDocument,
    addTask,
    removeTask,
    connect,
    disconnect,
    renameTask,
    updateTask,
    setExit,
    updateMeta,
    setPosition,
    autoLayout,
    select,
    applyYaml,
    applyDsl,
    clearTextErrors,
    save,
  };
});
