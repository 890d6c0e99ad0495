/**
 * A DAG document in any of its three forms (JSON DagSpec, YAML manifest or plain YAML, DSL text) →
 * an unvalidated document plus its namespace. Parsers never throw: problems come back as DagIssues.
 */
import type { Request } from 'express';
import { loadManifest, parseDsl, type DagIssue } from '@kontroler/core';
import { queryString } from '../context.js';

export type ParsedDocument =
  | {
      ok: true;
      doc: unknown;
      /** The namespace the document names itself, if any, and where (for a mismatch error). */
      namespace: string | undefined;
      namespacePath: string;
      warnings: DagIssue[];
    }
  | { ok: false; errors: DagIssue[] };

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];

const issue = (code: DagIssue['code'], message: string, path = ''): DagIssue => ({ code, path, message });

/** `nameFromPath` is the DAG name of `PUT /dags/{name}` (a DSL body has no name of its own). */
export function parseDocument(req: Request, nameFromPath?: string): ParsedDocument {
  const body: unknown = req.body;
  if (req.is(YAML_TYPES)) {
    const result = loadManifest(typeof body === 'string' ? body : '');
    if (!result.ok) return { ok: false, errors: result.errors };
    const dags = result.documents.filter((d) => d.kind === 'DAG');
    if (dags.length !== 1) {
      return {
        ok: false,
        errors: [issue('UNKNOWN_KIND', `expected exactly one DAG document, found ${dags.length}`)],
      };
    }
    const [first] = dags;
    if (first?.kind !== 'DAG') return { ok: false, errors: [issue('UNKNOWN_KIND', 'no DAG document')] };
    const fromMetadata = first.metadata.namespace;
    return {
      ok: true,
      doc: first.dag,
      namespace: fromMetadata ?? first.dag.namespace,
      namespacePath: fromMetadata !== undefined ? '/metadata/namespace' : '/namespace',
      warnings: result.warnings,
    };
  }
  if (req.is('text/plain')) {
    const format = queryString(req, 'format') ?? 'dsl';
    if (format !== 'dsl') {
      return { ok: false, errors: [issue('PARSE_ERROR', 'a text/plain body must be DSL (?format=dsl)')] };
    }
    const name = nameFromPath ?? queryString(req, 'name');
    if (name === undefined) {
      return { ok: false, errors: [issue('INVALID_NAME', 'a DSL body needs ?name=<dag name>', '/name')] };
    }
    const result = parseDsl(typeof body === 'string' ? body : '', { name });
    if (!result.ok) return { ok: false, errors: result.errors };
    return {
      ok: true,
      doc: result.dag,
      namespace: undefined,
      namespacePath: '/namespace',
      warnings: result.warnings,
    };
  }
  const namespace =
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { namespace?: unknown }).namespace === 'string'
      ? (body as { namespace: string }).namespace
      : undefined;
  return { ok: true, doc: body, namespace, namespacePath: '/namespace', warnings: [] };
}
