/**
 * A request body → the DAG document as the user sent it (JSON DagSpec, YAML manifest or plain YAML, DSL
 * text), for core's `checkDagDocument`, which reads, validates and points every issue into that body.
 */
import type { Request } from 'express';
import type { DagDocumentInput, DagIssue } from '@kontroler/core';
import { DSL_MEDIA_TYPE, YAML_MEDIA_TYPES } from '../../media-types.js';
import { queryString } from '../context.js';

export type DocumentInput = { ok: true; input: DagDocumentInput } | { ok: false; errors: DagIssue[] };

const issue = (code: DagIssue['code'], message: string, path = ''): DagIssue => ({
  code,
  path,
  pointer: path,
  message,
});

/** `nameFromPath` is the DAG name of `PUT /dags/{name}` (a DSL body has no name of its own). */
export function documentInput(req: Request, nameFromPath?: string): DocumentInput {
  const body: unknown = req.body;
  const text = typeof body === 'string' ? body : '';
  if (req.is([...YAML_MEDIA_TYPES])) return { ok: true, input: { format: 'yaml', text } };
  if (req.is(DSL_MEDIA_TYPE)) {
    const format = queryString(req, 'format') ?? 'dsl';
    if (format !== 'dsl') {
      return { ok: false, errors: [issue('PARSE_ERROR', 'a text/plain body must be DSL (?format=dsl)')] };
    }
    const name = nameFromPath ?? queryString(req, 'name');
    if (name === undefined) {
      return { ok: false, errors: [issue('INVALID_NAME', 'a DSL body needs ?name=<dag name>', '/name')] };
    }
    return { ok: true, input: { format: 'dsl', text, name } };
  }
  return { ok: true, input: { format: 'json', value: body } };
}
