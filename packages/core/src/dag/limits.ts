/**
 * Size caps. They keep a hostile or mistaken document from costing the API (or a browser tab) seconds of
 * CPU: every check past them is linear, so the caps bound the whole validation.
 */

/** Most tasks a DAG may have. */
export const MAX_TASKS = 20_000;
/** Most `runAfter` entries a single task may have. */
export const MAX_RUN_AFTER = 2_000;
/** Largest YAML manifest text `loadManifest` reads, in UTF-8 bytes (5 MiB). */
export const MAX_MANIFEST_BYTES = 5 * 1024 * 1024;
/** Largest DSL text `parseDsl` reads, in UTF-8 bytes (5 MiB). */
export const MAX_DSL_BYTES = 5 * 1024 * 1024;
/** Longest Kubernetes object name. */
export const MAX_NAME_LENGTH = 63;
/**
 * The longest deadline a run may set (`SubmitOptions.activeDeadlineSeconds`, a DagRun's
 * `spec.activeDeadlineSeconds`): the largest PostgreSQL `int`, about 68 years, so every store keeps it.
 */
export const MAX_RUN_DEADLINE_SECONDS = 2_147_483_647;
/** The bounds of a priority, a DAG's default or a run's own: from minus this to this. */
export const MAX_PRIORITY = 1_000_000;

/** UTF-8 length of a string without encoding it (browser-safe, no Buffer). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      // A surrogate pair is one 4-byte code point.
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Most instances a `forEach` task may fan out to (a static list, or an upstream output at run time). */
export const MAX_FOR_EACH_ITEMS = 10_000;
