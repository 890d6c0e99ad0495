/**
 * Task outputs written as files, one per declared output (docs/flow/outputs.md): the process runtime reads
 * them from `KONTROLER_OUTPUTS_DIR`. A file's content is JSON, or else a string (one trailing newline removed).
 * A file over the per-output limit is not read: its size alone fails the task, never a truncated value.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_OUTPUT_BYTES, OUTPUTS_DIR_ENV, parseOutputText } from '@kontroler/core';

export { OUTPUTS_DIR_ENV };

/** Reads the declared outputs present in `dir`; a missing file is an absent output. */
export async function readOutputFiles(
  dir: string,
  names: readonly string[],
): Promise<{ outputs: Record<string, unknown> } | { tooLarge: string }> {
  const outputs: Record<string, unknown> = {};
  for (const name of names) {
    const file = join(dir, name);
    const info = await stat(file).catch(() => undefined);
    if (info === undefined || !info.isFile()) continue;
    if (info.size > MAX_OUTPUT_BYTES) {
      return { tooLarge: `output "${name}" is ${info.size} bytes; at most ${MAX_OUTPUT_BYTES} are allowed` };
    }
    outputs[name] = parseOutputText(await readFile(file, 'utf8'));
  }
  return { outputs };
}
