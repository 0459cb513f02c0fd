/**
 * Byte sources: a file, a `.gz` file (detected by its magic, not its name),
 * or `-` for standard input, as an async iterable of chunks. Parsers take
 * `AsyncIterable<Uint8Array>` so tests can feed them any chunking.
 */
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { FlowhoundError } from '../errors.js';

export interface ByteSourceOptions {
  /** Read size in bytes (default 1 MiB). */
  chunkSize?: number;
  /** Called after each compressed (on-disk) chunk with bytes read so far. */
  onRead?: (bytesRead: number) => void;
  /**
   * Live inputs (`watch`): stop peeking for format detection as soon as the
   * head holds one complete non-blank line (text formats) or a capture's
   * 24-byte file header, instead of waiting for 4096 bytes or the end, which
   * a growing log with only its header written yet would not give.
   */
  earlyHead?: boolean;
}

export interface ByteSource {
  /** The name used in messages: the path, or "stdin". */
  name: string;
  /** Size on disk when known (regular files), for progress. */
  sizeBytes: number | null;
  /** True when the input was gzip-compressed. */
  gzip: boolean;
  chunks: AsyncIterable<Uint8Array>;
  /** The first bytes of the (decompressed) input, for format detection. */
  head: Uint8Array;
}

const HEAD_BYTES = 4096;

/** Opens `path` (or "-" for stdin), decompressing gzip transparently. */
export async function openByteSource(path: string, options: ByteSourceOptions = {}): Promise<ByteSource> {
  const chunkSize = options.chunkSize ?? 1 << 20;
  let raw: Readable;
  let sizeBytes: number | null = null;
  const name = path === '-' ? 'stdin' : path;
  if (path === '-') {
    raw = process.stdin;
  } else {
    try {
      const st = statSync(path);
      if (st.isDirectory()) throw new FlowhoundError('INPUT_UNREADABLE', `${path}: is a directory, expected a file`, { file: path });
      sizeBytes = st.size;
    } catch (e) {
      if (e instanceof FlowhoundError) throw e;
      throw new FlowhoundError('INPUT_NOT_FOUND', `${path}: cannot open: ${(e as Error).message}`, { file: path }, { cause: e });
    }
    raw = createReadStream(path, { highWaterMark: chunkSize });
  }
  return openByteSourceFromChunks(name, raw, sizeBytes, options);
}

/** Wraps any chunk iterable (a stream, a test's array) as a ByteSource. */
export async function openByteSourceFromChunks(
  name: string,
  input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  sizeBytes: number | null = null,
  options: ByteSourceOptions = {},
): Promise<ByteSource> {
  const it = (Symbol.asyncIterator in input ? input[Symbol.asyncIterator]() : toAsync(input as Iterable<Uint8Array>)) as AsyncIterator<Uint8Array>;
  // Read enough to sniff the format, keeping what we read.
  const pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let bytesRead = 0;
  let done = false;
  try {
    while (pendingBytes < 2) {
      const r = await it.next();
      if (r.done) {
        done = true;
        break;
      }
      const c = toU8(r.value);
      pending.push(c);
      pendingBytes += c.length;
      bytesRead += c.length;
      options.onRead?.(bytesRead);
    }
  } catch (e) {
    throw new FlowhoundError('INPUT_UNREADABLE', `${name}: read failed: ${(e as Error).message}`, { file: name }, { cause: e });
  }
  const first = concat(pending, Math.min(pendingBytes, 2));
  const gzip = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;

  async function* rawChunks(): AsyncGenerator<Uint8Array> {
    for (const c of pending) yield c;
    if (done) return;
    while (true) {
      let r: IteratorResult<Uint8Array>;
      try {
        r = await it.next();
      } catch (e) {
        throw new FlowhoundError('INPUT_UNREADABLE', `${name}: read failed: ${(e as Error).message}`, { file: name }, { cause: e });
      }
      if (r.done) return;
      const c = toU8(r.value);
      bytesRead += c.length;
      options.onRead?.(bytesRead);
      yield c;
    }
  }

  let chunks: AsyncIterable<Uint8Array> = rawChunks();
  if (gzip) chunks = gunzipChunks(name, chunks);
  // Peek the decompressed head for format detection.
  const headIt = chunks[Symbol.asyncIterator]();
  const headParts: Uint8Array[] = [];
  let headLen = 0;
  let headDone = false;
  while (headLen < HEAD_BYTES && !(options.earlyHead === true && isHeadEnough(headParts, headLen))) {
    const r = await headIt.next();
    if (r.done) {
      headDone = true;
      break;
    }
    headParts.push(r.value);
    headLen += r.value.length;
  }
  const head = concat(headParts, Math.min(headLen, HEAD_BYTES));
  async function* replay(): AsyncGenerator<Uint8Array> {
    for (const c of headParts) yield c;
    if (headDone) return;
    while (true) {
      const r = await headIt.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { name, sizeBytes, gzip, chunks: replay(), head };
}

async function* gunzipChunks(name: string, input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const gunzip = createGunzip();
  const src = Readable.from(input, { objectMode: false });
  src.on('error', (e) => gunzip.destroy(e));
  src.pipe(gunzip);
  try {
    for await (const c of gunzip) yield c as Uint8Array;
  } catch (e) {
    if (e instanceof FlowhoundError) throw e;
    const msg = (e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' ? 'gzip stream is truncated' : (e as Error).message;
    throw new FlowhoundError('INPUT_TRUNCATED', `${name}: gzip: ${msg}`, { file: name }, { cause: e });
  }
}

/** True when the head parts hold a complete non-blank line or a capture file header (24 bytes). */
function isHeadEnough(parts: readonly Uint8Array[], headLen: number): boolean {
  if (headLen >= 24) {
    const h = concat(parts as Uint8Array[], 4);
    const m = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
    if (m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1 || m === 0x0a0d0d0a) return true;
  }
  let seenText = false;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      const b = p[i]!;
      if (b === 0x0a) {
        if (seenText) return true;
      } else if (b !== 0x20 && b !== 0x09 && b !== 0x0d) seenText = true;
    }
  }
  return false;
}

async function* toAsync(it: Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* it;
}

function toU8(c: unknown): Uint8Array {
  if (c instanceof Uint8Array) return c;
  if (typeof c === 'string') return Buffer.from(c);
  throw new TypeError('byte source yielded a non-binary chunk');
}

function concat(parts: Uint8Array[], limit: number): Uint8Array {
  const out = new Uint8Array(limit);
  let o = 0;
  for (const p of parts) {
    if (o >= limit) break;
    const n = Math.min(p.length, limit - o);
    out.set(n === p.length ? p : p.subarray(0, n), o);
    o += n;
  }
  return out;
}

/** Re-cuts a chunk stream into chunks of exactly `size` bytes (tests run parsers at 1, 7 and 65536). */
export async function* rechunk(input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  for await (const c of input) {
    for (let o = 0; o < c.length; o += size) yield c.subarray(o, Math.min(o + size, c.length));
  }
}
