/**
 * `set local search_path to "<schema>"`: a migration's unqualified names land in the store's schema (the
 * `schema` option, default public), quoted so any schema name is safe. Call it with `this.config.get('schema')`.
 */
export function setSearchPath(schema: string | undefined): string {
  return `set local search_path to "${(schema ?? 'public').replace(/"/g, '""')}"`;
}
