/**
 * Streams a container's log (`pods/log?follow=true&timestamps=true`) into a sink while the pod runs. The
 * stream ends by itself when the container terminates; a broken stream (apiserver restart) is resumed with
 * `sinceTime` and lines already delivered are skipped by time.
 */
import type { LogLine, LogResumePoint } from '@kontroler/core';
import { KubeApiError, readLines, type KubeClient } from './client.js';

export interface LogStreamOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly sink: (line: Omit<LogLine, 'ts'> & { ts?: number }) => void;
  /** Where the log stored by an earlier worker ends (an adopted pod): lines up to it are not delivered again. */
  readonly resumeAfter?: LogResumePoint;
  /** Stops the stream (the attempt ended or the drain deadline passed). */
  readonly signal: AbortSignal;
  readonly onError?: (error: unknown) => void;
}

/** Splits `2026-11-25T12:00:00.123456789Z text` into its time and text. */
export function parseTimestamped(raw: string): { stamp: string; ts: number | undefined; text: string } {
  const space = raw.indexOf(' ');
  const stamp = space > 0 ? raw.slice(0, space) : '';
  const ts = stamp ? Date.parse(stamp) : Number.NaN;
  if (Number.isNaN(ts)) return { stamp: '', ts: undefined, text: raw };
  return { stamp, ts, text: raw.slice(space + 1) };
}

/** Resolves when the log is complete (container terminated, pod gone) or the signal aborts. */
export async function streamLogs(options: LogStreamOptions): Promise<void> {
  const { client, namespace, pod, container, sink, signal } = options;
  const path = `/api/v1/namespaces/${namespace}/pods/${pod}/log`;
  // Where the delivered log ends: the time of its last line and how many lines had that time. An earlier
  // worker's stored log seeds it; a broken stream resumes from it. `sinceTime` has whole seconds, so the
  // lines the server sends again are skipped here by time and count.
  let afterTs = options.resumeAfter?.afterTs;
  let atTs = options.resumeAfter?.atTs ?? 0;
  let failures = 0;
  while (!signal.aborted) {
    try {
      const since = afterTs === undefined ? undefined : `${new Date(afterTs).toISOString().slice(0, 19)}Z`;
      const res = await client.stream(path, {
        query: { container, follow: true, timestamps: true, ...(since ? { sinceTime: since } : {}) },
        signal,
      });
      let skip = atTs;
      for await (const raw of readLines(res)) {
        const { ts, text } = parseTimestamped(raw);
        if (ts !== undefined) {
          if (afterTs !== undefined && ts < afterTs) continue;
          if (ts === afterTs) {
            if (skip > 0) {
              skip--;
              continue;
            }
            atTs++;
          } else [afterTs, atTs] = [ts, 1];
        }
        sink({ stream: 'stdout', line: text, ...(ts !== undefined ? { ts } : {}) });
      }
      return;
    } catch (error) {
      if (signal.aborted) return;
      if (KubeApiError.is(error, 404)) return;
      // 400 "container ... is waiting to start": not running yet; other errors: the apiserver is away.
      options.onError?.(error);
      failures++;
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** Math.min(failures, 5))));
    }
  }
}
