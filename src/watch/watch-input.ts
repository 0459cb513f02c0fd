/**
 * What `watch` reads: a followed file, the conn.log and dns.log of a
 * followed Zeek log directory (each whichever exists, picking up one that
 * appears later), or a stream (standard input). Each file is parsed by the
 * existing readers (format detected from its first complete line), and
 * every batch is tagged with the follower's position after it, so a state
 * file records only what the pipeline has processed.
 *
 * A directory's files are merged as their batches come (not in time
 * order): the pipeline's event-time lateness absorbs the difference.
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FlowhoundError } from '../errors.js';
import { openByteSourceFromChunks } from '../io/byte-source.js';
import { createFileFollower, type FileFollower, type FollowPosition } from '../io/follow-file.js';
import { type ReadOptions, readSource } from '../ingest/read-input.js';
import type { RecordBatch } from '../types.js';
import { mergeAsync } from './merge-async.js';

/** A batch and, for a followed file, where that file's reading stands after it. */
export interface TaggedBatch {
  batch: RecordBatch;
  /** The followed file's absolute path; null for a stream. */
  file: string | null;
  position: FollowPosition | null;
}

/** The files `watch DIR` follows in a Zeek log directory. */
export const ZEEK_DIR_LOGS: readonly string[] = ['conn.log', 'dns.log'];

export interface WatchInputOptions {
  /** Poll interval of the followers in ms (default 250). */
  pollMs?: number;
  /** Stops following. */
  signal?: AbortSignal;
  /** End each follower after this many ms without new bytes (tests, one-shot runs). */
  idleEndMs?: number;
  /** Without a resume position: start at the end of each file, like `tail -F -n 0` (default: from its start). */
  startAtEnd?: boolean;
  /** Resume positions by absolute path (from a state file). */
  positions?: Readonly<Record<string, FollowPosition>>;
  /** Reader options (format, maxInvalid, onWarning). */
  read: ReadOptions;
  /** The stream to read for "-" (the CLI passes standard input). */
  stdin?: AsyncIterable<Uint8Array>;
  onReopen?: (event: { kind: 'rotation' | 'truncation'; path: string }) => void;
}

export interface WatchInput {
  /** The followed files (none for a stream). */
  followers: FileFollower[];
  batches: AsyncIterable<TaggedBatch>;
}

/** Opens FILE, DIR or "-" for watching. */
export function openWatchInput(target: string, options: WatchInputOptions): WatchInput {
  if (target === '-') {
    if (!options.stdin) throw new FlowhoundError('INVALID_ARGUMENT', 'watch -: no stream given for standard input');
    const stream = options.signal ? stopOnAbort(options.stdin, options.signal) : options.stdin;
    async function* readStream(): AsyncGenerator<TaggedBatch> {
      const source = await openByteSourceFromChunks('stdin', stream, null, { earlyHead: true });
      if (source.head.length === 0) return;
      for await (const batch of readSource(source, options.read)) yield { batch, file: null, position: null };
    }
    return { followers: [], batches: readStream() };
  }
  const paths = isDirectory(target) ? ZEEK_DIR_LOGS.map((n) => resolve(join(target, n))) : [resolve(target)];
  const followers = paths.map((p) => {
    const start = options.positions?.[p];
    return createFileFollower(p, {
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.idleEndMs !== undefined ? { idleEndMs: options.idleEndMs } : {}),
      ...(start ? { start } : {}),
      ...(options.startAtEnd ? { startAtEnd: true } : {}),
      ...(options.onReopen ? { onReopen: options.onReopen } : {}),
    });
  });
  const streams = followers.map((f) => readFollowed(f, options.read));
  return { followers, batches: streams.length === 1 ? (streams[0] as AsyncIterable<TaggedBatch>) : mergeAsync(streams) };
}

async function* readFollowed(f: FileFollower, read: ReadOptions): AsyncGenerator<TaggedBatch> {
  const source = await openByteSourceFromChunks(f.path, f, null, { earlyHead: true });
  // A file that never appeared (or stayed empty) before the follower ended.
  if (source.head.length === 0) return;
  for await (const batch of readSource(source, read)) yield { batch, file: f.path, position: f.position() };
}

/** Ends a stream when `signal` aborts (standard input never ends by itself). */
async function* stopOnAbort(stream: AsyncIterable<Uint8Array>, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  if (signal.aborted) return;
  const it = stream[Symbol.asyncIterator]();
  let onAbort = (): void => undefined;
  const aborted = new Promise<'aborted'>((resolve) => {
    onAbort = () => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    while (true) {
      const r = await Promise.race([it.next(), aborted]);
      if (r === 'aborted' || r.done) return;
      yield r.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
