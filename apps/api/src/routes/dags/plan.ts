/**
 * Plan previews (`previewPlan` in core, the same result `kontroler plan` prints): for a stored DAG version,
 * and for a draft document that is not saved. Parameters come as repeated `?param=name=value`.
 */
import type { Request } from 'express';
import { checkDagDocument, compileDag, previewPlan, type DagRef } from '@kontroler/core';
import { badRequest, notFound, type ProblemItem } from '../../problem.js';
import { authorize, param, queryInt, type ApiContext, type Handlers } from '../context.js';
import { documentInput } from './documents.js';

/** `?param=name=value` (repeated) as a record; a value may itself contain `=`. */
export function previewParameters(req: Request): Record<string, string> {
  const raw = (req.query as Record<string, unknown>).param;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const parameters: Record<string, string> = {};
  const errors: ProblemItem[] = [];
  list.forEach((entry, i) => {
    const text = String(entry);
    const at = text.indexOf('=');
    if (at <= 0) {
      errors.push({
        path: `/param/${i}`,
        code: 'INVALID_PARAMETER',
        message: `"${text}" is not name=value`,
      });
      return;
    }
    parameters[text.slice(0, at)] = text.slice(at + 1);
  });
  if (errors.length > 0) throw badRequest('every param must be name=value', errors);
  return parameters;
}

export function planHandlers(ctx: ApiContext): Handlers {
  const { store } = ctx;
  return {
    async previewDagPlan(req, res) {
      const ref: DagRef = { namespace: param(req, 'namespace'), name: param(req, 'name') };
      const missing = () =>
        notFound('DAG_NOT_FOUND', `DAG "${ref.name}" does not exist in namespace ${ref.namespace}`);
      authorize(req, 'viewer', ref.namespace, missing);
      const dag = await store.getDag(ref);
      if (!dag || dag.deletedAt !== null) throw missing();
      const number = queryInt(req, 'version') ?? dag.latestVersion;
      const version = await store.getDagVersion(ref, number);
      if (!version) {
        throw notFound('VERSION_NOT_FOUND', `DAG "${ref.name}" has no version ${number}`);
      }
      const preview = previewPlan(compileDag(version.spec), { parameters: previewParameters(req) });
      res.json({ version: version.version, ...preview });
    },

    async previewDraftPlan(req, res) {
      const parameters = previewParameters(req);
      const read = documentInput(req);
      if (!read.ok) {
        res.json({ ok: false, errors: read.errors, warnings: [] });
        return;
      }
      const result = checkDagDocument(read.input);
      if (!result.ok) {
        res.json({ ok: false, errors: result.errors, warnings: result.warnings });
        return;
      }
      res.json({
        ok: true,
        errors: [],
        warnings: result.warnings,
        plan: previewPlan(result.dag, { parameters }),
      });
    },
  };
}
