/**
 * Approval tasks (docs/approval.md): approve or reject a task that awaits a person. Who may decide: the
 * roles the task names in `approval.approvers` (in the run's namespace), else `editor`. Roles rank as
 * everywhere (admin > editor > viewer), so naming `viewer` lets any reader of the namespace decide.
 */
import type { Request } from 'express';
import {
  KontrolerError,
  approverRoles,
  runDagRef,
  type ApprovalSpec,
  type RunSnapshot,
  type Store,
} from '@kontroler/core';
import { badRequest, forbidden, notFound } from '../problem.js';
import { hasRole } from '../rbac/grants.js';
import type { Principal } from '../types.js';
import { authorize, param, principal, type ApiContext, type Handlers } from './context.js';
import { attemptDto, runDto } from './dto.js';

/** Longest comment kept with a decision. */
export const MAX_APPROVAL_COMMENT = 2000;

/** Whether `p` may approve or reject `approval` in `namespace`. */
export function mayDecide(p: Principal, approval: ApprovalSpec, namespace: string): boolean {
  return approverRoles(approval).some((role) => hasRole(p, role, namespace));
}

/** An approval task as the run detail shows it, with whether the caller may decide it. */
export const approvalDto = (p: Principal, approval: ApprovalSpec, namespace: string) => ({
  message: approval.message ?? null,
  approvers: [...approverRoles(approval)],
  timeoutSeconds: approval.timeoutSeconds,
  onTimeout: approval.onTimeout,
  canDecide: mayDecide(p, approval, namespace),
});

/** The approval settings of every approval task of a run's DAG version, by task name. */
export async function approvalsOf(
  store: Store,
  snapshot: RunSnapshot,
): Promise<ReadonlyMap<string, ApprovalSpec>> {
  const version = await store.getDagVersion(runDagRef(snapshot.run), snapshot.run.dagVersion);
  const found = new Map<string, ApprovalSpec>();
  for (const task of [...(version?.spec.tasks ?? []), ...(version?.spec.onExit ?? [])]) {
    if (task.approval !== undefined) found.set(task.name, task.approval);
  }
  return found;
}

function commentOf(req: Request): string | undefined {
  const comment = (req.body as { comment?: unknown } | undefined)?.comment;
  if (comment === undefined || comment === null) return undefined;
  if (typeof comment !== 'string') throw badRequest('comment must be a string');
  const trimmed = comment.trim();
  if (trimmed.length > MAX_APPROVAL_COMMENT) {
    throw badRequest(`comment is longer than ${MAX_APPROVAL_COMMENT} characters`);
  }
  return trimmed === '' ? undefined : trimmed;
}

export function approvalHandlers(ctx: ApiContext): Handlers {
  const { store, engine, auditor } = ctx;

  async function decide(req: Request, decision: 'approve' | 'reject') {
    const id = param(req, 'id');
    const namespace = param(req, 'namespace');
    const task = param(req, 'task');
    const runNotFound = () => notFound('RUN_NOT_FOUND', `run ${id} does not exist`);
    authorize(req, 'viewer', namespace, runNotFound);
    const comment = commentOf(req);
    const snapshot = await store.getRunSnapshot(id).catch((error: unknown) => {
      if (KontrolerError.is(error, 'STORE_UNAVAILABLE')) throw error;
      return undefined;
    });
    if (snapshot?.run.namespace !== namespace) throw runNotFound();
    const approval = (await approvalsOf(store, snapshot)).get(task);
    if (approval === undefined) {
      throw notFound('APPROVAL_TASK_NOT_FOUND', `run ${id} has no approval task "${task}"`);
    }
    const p = principal(req);
    if (!mayDecide(p, approval, namespace)) {
      throw forbidden(
        `deciding task ${task} needs role ${approverRoles(approval).join(' or ')} in namespace ${namespace}`,
      );
    }
    const after = await engine.decideApproval(id, task, {
      decision,
      by: p.username,
      ...(comment !== undefined ? { comment } : {}),
    });
    const decided = after.attempts
      .filter((a) => a.taskName === task)
      .reduce((latest, a) => (a.attempt > latest.attempt ? a : latest));
    await auditor.record(req, `task.${decision}`, id, {
      namespace,
      dag: after.run.dagName,
      task,
      attemptId: decided.id,
      ...(comment !== undefined ? { comment } : {}),
    });
    return { run: runDto(after.run), attempt: attemptDto(decided) };
  }

  return {
    async approveTask(req, res) {
      res.json(await decide(req, 'approve'));
    },
    async rejectTask(req, res) {
      res.json(await decide(req, 'reject'));
    },
  };
}
