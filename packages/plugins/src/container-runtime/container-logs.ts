/**
 * Follows a container's log into an attempt's log: demultiplexes the engine's frames, takes each line's
 * time from the engine's timestamp, splits lines per stream, and — for an adopted container — skips the
 * lines an earlier worker already stored.
 */
import type { AttemptContext, LogResumePoint } from '@kontroler/core';
import { LineSplitter } from '../shared/line-splitter.js';
import { containerLogs } from './engine-api.js';
import type { EngineClient } from './engine-client.js';
import { FrameDemuxer, splitTimestamp, type FrameStream } from './frames.js';

export interface FollowLogsOptions {
  readonly client: EngineClient;
  readonly containerId: string;
  readonly sink: AttemptContext['log'];
  readonly maxLineLength: number;
  readonly resumeAfter?: LogResumePoint | undefined;
  /** Ends the follow (the stream is cut; lines split so far are flushed). */
  readonly signal: AbortSignal;
}

/**
 * Drops what the store already holds: lines before `afterTs`, and the first `atTs` lines at `afterTs`.
 * Times are the engine's, truncated to milliseconds, so a line gets the same time on every read.
 */
export function resumeFilter(resume: LogResumePoint | undefined): (ts: number) => boolean {
  if (resume === undefined) return () => true;
  let sameTimeLeft = resume.atTs;
  return (ts) => {
    if (ts < resume.afterTs) return false;
    if (ts === resume.afterTs && sameTimeLeft > 0) {
      sameTimeLeft -= 1;
      return false;
    }
    return true;
  };
}

/** Resolves when the log ends (the container stopped) or the signal fires; never rejects. */
export async function followLogs(options: FollowLogsOptions): Promise<void> {
  const keep = resumeFilter(options.resumeAfter);
  const times: Record<FrameStream, number> = { stdout: Date.now(), stderr: Date.now(), system: Date.now() };
  const splitters = new Map<FrameStream, LineSplitter>();
  const splitterFor = (stream: FrameStream): LineSplitter => {
    let splitter = splitters.get(stream);
    if (splitter === undefined) {
      splitter = new LineSplitter(options.maxLineLength, (line) => {
        const ts = times[stream];
        if (keep(ts)) options.sink({ stream, line, ts });
      });
      splitters.set(stream, splitter);
    }
    return splitter;
  };
  const demuxer = new FrameDemuxer((stream, payload) => {
    const { ts, rest } = splitTimestamp(payload);
    times[stream] = ts ?? Date.now();
    splitterFor(stream).push(rest);
  });
  try {
    const response = await containerLogs(options.client, options.containerId, {
      follow: true,
      signal: options.signal,
    });
    for await (const chunk of response as AsyncIterable<Buffer>) demuxer.push(chunk);
  } catch {
    // Cut off (aborted, or the engine went away): the outcome comes from the container's state, and a
    // worker that adopts the attempt reads the log again from where the store ends.
  } finally {
    for (const splitter of splitters.values()) splitter.end();
  }
}
