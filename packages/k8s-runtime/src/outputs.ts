/**
 * Task outputs of a pod (docs/flow/outputs.md), collected without an extra container: the task writes one
 * file per declared output under `/kontroler/outputs` (an emptyDir, `$KONTROLER_OUTPUTS_DIR`), and its
 * command runs under a small `sh` wrapper that, once the command has exited 0, writes those files to the
 * container's termination message. The kubelet copies that message into the pod status
 * (`state.terminated.message`), where the runtime reads it with the exit code. Pure, except that the
 * wrapper is shell text: a test runs it with a real `sh` and checks it against `encodePodOutputs`.
 *
 * Why a limit of 4096 bytes: Kubernetes keeps at most 4096 bytes of a container's termination message (the
 * kubelet reads the last 4096 bytes of the file and drops the rest). Engine limits of 64 KiB per output and
 * 256 KiB per task cannot fit through it, and the alternatives cost more than they give: a reader container
 * would have to stay alive for the whole attempt, and outputs in the log would mix data with the task's
 * lines and be lost with the log. So the pod runtime states its own limit — the whole message, headers
 * included, at most {@link MAX_POD_OUTPUT_BYTES} — and a task over it fails with `OutputTooLarge` naming
 * every output and its size. Nothing is ever truncated: the wrapper measures before it writes.
 *
 * The message format (text; sizes in bytes, so content may hold anything but a NUL):
 * ```
 * kontroler-outputs v1\n            or, over the limit:  kontroler-outputs v1 too-large\n
 * <name> <size>\n<content>\n  (per file present)          <name> <size>\n  (per file present)
 * ```
 */
import { OUTPUTS_DIR_ENV, parseOutputText } from '@kontroler/core';

import { MAX_POD_OUTPUT_BYTES, OUTPUTS_MOUNT_PATH, TERMINATION_MESSAGE_PATH } from './output-paths.js';

export {
  MAX_POD_OUTPUT_BYTES,
  OUTPUTS_MOUNT_PATH,
  OUTPUTS_VOLUME,
  TERMINATION_MESSAGE_PATH,
} from './output-paths.js';

const HEADER = 'kontroler-outputs v1';
const TOO_LARGE = `${HEADER} too-large`;

/**
 * Runs the task's command (`"$@"`) as a child, passes SIGTERM/SIGINT on to it (the shell is PID 1, which
 * ignores signals it has no handler for), and after an exit 0 writes the declared output files present in
 * `$KONTROLER_OUTPUTS_DIR` to the termination message `$1`; `$2` holds the names, space-separated (output
 * names are identifiers). A failed command's termination message is left as the task wrote it. The exit code
 * is the command's. A signal in the instant between the fork and the command's start can be lost (the child
 * shell resets its handlers): the kubelet's SIGKILL after the grace period then ends the container.
 */
export const OUTPUTS_WRAPPER = `msg="$1"; names="$2"; shift 2; child=; term=
trap 'term=1; [ -z "$child" ] || kill -TERM "$child" 2>/dev/null' TERM INT
"$@" &
child=$!
# A signal that came before $child was set is passed on now.
[ -z "$term" ] || kill -TERM "$child" 2>/dev/null
while :; do
  wait "$child"; code=$?
  kill -0 "$child" 2>/dev/null || break
done
if [ "$code" -eq 0 ]; then
  dir="\${${OUTPUTS_DIR_ENV}:-${OUTPUTS_MOUNT_PATH}}"
  total=${HEADER.length + 1}; sizes=""
  for n in $names; do
    [ -f "$dir/$n" ] || continue
    size=$(($(wc -c < "$dir/$n")))
    total=$((total + \${#n} + \${#size} + size + 3))
    sizes="$sizes$n $size
"
  done
  if [ "$total" -le ${MAX_POD_OUTPUT_BYTES} ]; then
    {
      printf '%s\\n' '${HEADER}'
      for n in $names; do
        [ -f "$dir/$n" ] || continue
        printf '%s %s\\n' "$n" $(($(wc -c < "$dir/$n")))
        cat "$dir/$n"
        printf '\\n'
      done
    } > "$msg"
  else
    printf '%s\\n%s' '${TOO_LARGE}' "$sizes" > "$msg"
  fi
fi
exit "$code"
`;

/** The container command that runs `argv` under {@link OUTPUTS_WRAPPER} for the declared `names`. */
export function wrapForOutputs(argv: readonly string[], names: readonly string[]): string[] {
  return ['sh', '-c', OUTPUTS_WRAPPER, 'kontroler-task', TERMINATION_MESSAGE_PATH, names.join(' '), ...argv];
}

/**
 * What the wrapper writes for these output files (name → file content), in the given order: the test twin
 * of the shell code, used by the simulated kubelet and to check the wrapper.
 */
export function encodePodOutputs(files: Readonly<Record<string, string>>): string {
  const entries = Object.entries(files).map(([name, content]) => ({
    name,
    content,
    size: Buffer.byteLength(content),
  }));
  const total = entries.reduce(
    (sum, e) => sum + e.name.length + String(e.size).length + e.size + 3,
    HEADER.length + 1,
  );
  if (total > MAX_POD_OUTPUT_BYTES) {
    return `${TOO_LARGE}\n${entries.map((e) => `${e.name} ${e.size}\n`).join('')}`;
  }
  return `${HEADER}\n${entries.map((e) => `${e.name} ${e.size}\n${e.content}\n`).join('')}`;
}

/** The outputs read from a termination message. */
export type PodOutputs =
  /** The outputs the task wrote (declared ones without a file are absent). */
  | { readonly outputs: Readonly<Record<string, unknown>> }
  /** Over {@link MAX_POD_OUTPUT_BYTES}: the message for `OutputTooLarge`. */
  | { readonly tooLarge: string }
  /** The message is not the wrapper's or is damaged: the message for `OutputError`. */
  | { readonly invalid: string };

/**
 * Reads the outputs from a container's termination message. `undefined` or a message without the header
 * (the wrapper could not write it) gives no outputs: each declared one is absent, as with a task that wrote
 * no files. Only declared names are kept.
 */
export function decodePodOutputs(message: string | undefined, declared: readonly string[]): PodOutputs {
  if (message === undefined || !message.startsWith('kontroler-outputs ')) return { outputs: {} };
  const bytes = Buffer.from(message, 'utf8');
  const eol = bytes.indexOf(0x0a);
  const first = bytes.subarray(0, eol < 0 ? bytes.length : eol).toString('utf8');
  let at = eol < 0 ? bytes.length : eol + 1;
  const entry = (): { name: string; size: number } | string => {
    const end = bytes.indexOf(0x0a, at);
    const line = bytes.subarray(at, end < 0 ? bytes.length : end).toString('utf8');
    const match = /^([A-Za-z_][A-Za-z0-9_]*) (\d+)$/.exec(line);
    if (end < 0 || !match) return `bad entry ${JSON.stringify(line.slice(0, 80))}`;
    at = end + 1;
    return { name: match[1]!, size: Number(match[2]) };
  };
  if (first === TOO_LARGE) {
    const sizes: string[] = [];
    while (at < bytes.length) {
      const e = entry();
      if (typeof e === 'string') return { invalid: `termination message: ${e}` };
      sizes.push(`"${e.name}" ${e.size} bytes`);
    }
    return {
      tooLarge:
        `the outputs (${sizes.join(', ')}) do not fit in the ${MAX_POD_OUTPUT_BYTES}-byte termination ` +
        'message a Kubernetes pod can return; write large data to the workspace or object storage and pass a reference',
    };
  }
  if (first !== HEADER) return { invalid: `termination message: unknown header ${JSON.stringify(first)}` };
  const outputs: Record<string, unknown> = {};
  while (at < bytes.length) {
    const e = entry();
    if (typeof e === 'string') return { invalid: `termination message: ${e}` };
    if (at + e.size >= bytes.length || bytes[at + e.size] !== 0x0a) {
      return { invalid: `termination message: output "${e.name}" is shorter than its ${e.size} bytes` };
    }
    const content = bytes.subarray(at, at + e.size).toString('utf8');
    at += e.size + 1;
    if (declared.includes(e.name)) outputs[e.name] = parseOutputText(content);
  }
  return { outputs };
}
