/**
 * Byte sources: a file, a `.gz` file (detected by its magic, not its name),
 * or `-` for standard input, as an async iterable of chunks. Parsers take
 * `AsyncIterable<Uint8Array>` so tests can feed them any chunking.
 *
 * Chunks are independent buffers (a consumer may keep them, or views of
 * them, as long as it likes) unless the consumer opts in with
 * `ByteSource.reuseChunks()`; see FileChunks below for why and how.
 */
import { close, createReadStream, open, read, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { FlowhoundError } from '../errors.js';

export interface ByteSourceOptions {
  /** Read size in bytes (default 1 MiB). */
  chunkSize?: number;
  /** Called after each compressed (on-disk) chunk with bytes read so far. */
  onRead?: (bytesRead: number) => void;
  /**
   * A gzip stream that is truncated or corrupt ends the input here instead of
   * throwing: the caller is told where (the compressed bytes fed to zlib when
   * it failed, and the decompressed bytes delivered before), and the input's
   * consumer sees an input that ends there, as a cut capture or log does.
   * Without it, the failure throws INPUT_TRUNCATED.
   */
  onGzipError?: (e: GzipFailure) => void;
  /**
   * Live inputs (`watch`): stop peeking for format detection as soon as the
   * head holds one complete non-blank line (text formats) or a capture's
   * 24-byte file header, instead of waiting for 4096 bytes or the end, which
   * a growing log with only its header written yet would not give.
   */
  earlyHead?: boolean;
}

export interface GzipFailure {
  file: string;
  /** What zlib said ("gzip stream is truncated", "incorrect header check", ...). */
  problem: string;
  /** Compressed bytes handed to zlib when it failed: the fault is at or before this offset. */
  compressedOffset: number;
  /** Decompressed bytes delivered before the failure. */
  decompressedBytes: number;
}

/** The message of a gzip failure: file, offsets and what happened to the input. */
export function describeGzipFailure(g: GzipFailure, cont: boolean): string {
  return `${g.file}: gzip: ${g.problem} at or before compressed byte ${g.compressedOffset} (after ${g.decompressedBytes} decompressed bytes)${cont ? '; the input is read up to there' : ''}`;
}

export interface ByteSource {
  /** The name used in messages: the path, or "stdin". */
  name: string;
  /** Size on disk when known (regular files), for progress. */
  sizeBytes: number | null;
  /** True when the input was gzip-compressed. */
  gzip: boolean;
  chunks: AsyncIterable<Uint8Array>;
  /** The first bytes of the (decompressed) input, for format detection (a copy). */
  head: Uint8Array;
  /**
   * Opt-in for a consumer that never keeps a chunk, nor a view of one, past
   * its next `next()` call on `chunks` (the capture reader: it copies the
   * one record cut by a chunk boundary). From the next read on, a plain
   * file is read into two reused buffers, so such a chunk is overwritten
   * once the consumer asks for the chunk after it. Call it before iterating;
   * chunks read before the call (the head, and the one read ahead) stay
   * independent buffers. Returns whether reuse is in effect: false, and
   * nothing changes, for gzip input, standard input, pipes and devices, and
   * sources made by openByteSourceFromChunks. Not for splitLines (it keeps
   * views of a line cut by a chunk boundary), nor for anything that passes
   * chunks to zlib or a stream. Optional so that hand-made sources still
   * type-check.
   */
  reuseChunks?(): boolean;
}

const HEAD_BYTES = 4096;

/** Opens `path` (or "-" for stdin), decompressing gzip transparently. */
export async function openByteSource(path: string, options: ByteSourceOptions = {}): Promise<ByteSource> {
  const chunkSize = options.chunkSize ?? 1 << 20;
  if (path === '-') return openSource('stdin', process.stdin, null, options, null);
  let regular: boolean;
  let sizeBytes: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new FlowhoundError('INPUT_UNREADABLE', `${path}: is a directory, expected a file`, { file: path });
    sizeBytes = st.size;
    regular = st.isFile();
  } catch (e) {
    if (e instanceof FlowhoundError) throw e;
    throw new FlowhoundError('INPUT_NOT_FOUND', `${path}: cannot open: ${(e as Error).message}`, { file: path }, { cause: e });
  }
  if (!regular) {
    // A named pipe or a device: a stream, as standard input.
    return openSource(path, createReadStream(path, { highWaterMark: chunkSize }), sizeBytes, options, null);
  }
  const file = new FileChunks(path, chunkSize);
  return openSource(path, file, sizeBytes, options, file);
}

/** Wraps any chunk iterable (a stream, a test's array) as a ByteSource. */
export async function openByteSourceFromChunks(
  name: string,
  input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  sizeBytes: number | null = null,
  options: ByteSourceOptions = {},
): Promise<ByteSource> {
  return openSource(name, input, sizeBytes, options, null);
}

/** `file`: the reader of a regular file (which can reuse buffers, and is closed when the consumer stops early). */
async function openSource(
  name: string,
  input: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | FileChunks,
  sizeBytes: number | null,
  options: ByteSourceOptions,
  file: FileChunks | null,
): Promise<ByteSource> {
  const it = (
    input instanceof FileChunks ? input : Symbol.asyncIterator in input ? input[Symbol.asyncIterator]() : toAsync(input as Iterable<Uint8Array>)
  ) as AsyncIterator<Uint8Array>;
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
    file?.close();
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
  if (gzip) chunks = gunzipChunks(name, chunks, options.onGzipError);
  // Peek the decompressed head for format detection.
  const headIt = chunks[Symbol.asyncIterator]();
  const headParts: Uint8Array[] = [];
  let headLen = 0;
  let headDone = false;
  try {
    while (headLen < HEAD_BYTES && !(options.earlyHead === true && isHeadEnough(headParts, headLen))) {
      const r = await headIt.next();
      if (r.done) {
        headDone = true;
        break;
      }
      headParts.push(r.value);
      headLen += r.value.length;
    }
  } catch (e) {
    file?.close();
    throw e;
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
  const out = replay();
  // A consumer that stops early (a break, an error, or the parallel capture
  // reader letting go before the first chunk) closes the file, or returns
  // the source iterator (a file follower then closes its handle); at the end
  // both are done already. A generator's own `finally` would not run when it
  // is returned before it started, and replay and rawChunks call `next()`
  // by hand, so no `for await` would return the source for them.
  const finish = out.return.bind(out);
  out.return = (value) => {
    if (file !== null) file.close();
    else it.return?.()?.catch(() => undefined);
    return finish(value);
  };
  const reuseChunks = (): boolean => {
    if (file === null || gzip) return false;
    file.reuse = true;
    return true;
  };
  return { name, sizeBytes, gzip, chunks: out, head, reuseChunks };
}

/**
 * A regular file, read with `fs.read` and one read ahead (the next chunk is
 * read on the thread pool while the consumer works on this one), as a stream
 * reads, but able to switch to reused buffers.
 *
 * Until `reuse` is set every chunk is a fresh buffer, as a stream's: text
 * readers keep views of chunks (splitLines carries the parts of a line cut
 * by a chunk boundary) and gzip hands them to zlib. Once set
 * (ByteSource.reuseChunks), reads go into two buffers in turn: the one the
 * consumer holds and the one being read into. The read into a buffer starts
 * only when the consumer calls `next()` again, so only once it is done with
 * the chunk it had from that buffer. The read ahead in flight when `reuse`
 * is set still delivers a fresh buffer.
 *
 * Measured on the 1.6 GB bench capture (readCapturePackets with a counting
 * callback, fresh processes, best of 7): fresh 1 MiB buffers (the stream
 * this replaced) 0.92 s wall / 1.34 s CPU and 95 MB peak RSS, two reused
 * 1 MiB buffers 0.55 / 0.81 s and 61 MB. In an earlier round one reused
 * buffer with `readSync` took about as much CPU as two with `fs.read` but
 * 10% more wall time (nothing overlaps the read), and it blocks the event
 * loop; two 4 MiB buffers were no faster than two of 1 MiB.
 */
class FileChunks implements AsyncIterator<Uint8Array> {
  /** Set by ByteSource.reuseChunks: read into `pool` instead of fresh buffers. */
  reuse = false;
  private fd = -1;
  /** True after the end, an error or close(): no more reads. */
  private finished = false;
  /** The read ahead, started when the previous chunk was handed out. */
  private ahead: Promise<Uint8Array | null> | null = null;
  private readonly pool: Buffer[] = [];
  private poolNext = 0;

  constructor(
    private readonly path: string,
    private readonly chunkSize: number,
  ) {}

  async next(): Promise<IteratorResult<Uint8Array>> {
    if (this.finished && this.ahead === null) return { done: true, value: undefined };
    const pending = this.ahead ?? this.read();
    this.ahead = null;
    const chunk = await pending;
    if (chunk === null) return { done: true, value: undefined };
    if (!this.finished) {
      this.ahead = this.read();
      // A failed read ahead is reported by the next next(), not as an unhandled rejection.
      this.ahead.catch(noop);
    }
    return { done: false, value: chunk };
  }

  /** Closes the file (after a read in flight, if any); idempotent. */
  close(): void {
    this.finished = true;
    if (this.ahead === null) this.release();
    else this.ahead.then(this.release, this.release);
  }

  private readonly release = (): void => {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    close(fd, noop);
  };

  /** The next chunk, or null at the end of the file. */
  private async read(): Promise<Uint8Array | null> {
    try {
      if (this.fd < 0) this.fd = await openFile(this.path);
      if (this.finished) return null;
      if (this.reuse) {
        if (this.pool.length === 0) this.pool.push(...allocatePool(this.chunkSize));
        const buf = this.pool[this.poolNext]!;
        this.poolNext ^= 1;
        const n = await readFile(this.fd, buf);
        if (n === 0) return this.end();
        return n === buf.length ? buf : buf.subarray(0, n);
      }
      const buf = Buffer.allocUnsafeSlow(this.chunkSize);
      const n = await readFile(this.fd, buf);
      if (n === 0) return this.end();
      if (n === buf.length) return buf;
      // As a stream does: copy a short read so that it does not keep the whole buffer alive.
      const fit = Buffer.allocUnsafeSlow(n);
      buf.copy(fit, 0, 0, n);
      return fit;
    } catch (e) {
      this.finished = true;
      this.release();
      throw e;
    }
  }

  private end(): null {
    this.finished = true;
    this.release();
    return null;
  }
}

/**
 * The two reused read buffers, cut from one allocation so that each starts
 * on a page boundary when the allocation starts 16 bytes past one, as
 * glibc's (and musl's) large blocks do: the kernel's copy from the page cache
 * into a buffer starting 8 to 31 bytes past a page boundary ran 3x slower
 * (0.5 against 0.16 s/GB of system time here, 4K aliasing between the
 * page-aligned source and the destination), which was the whole gain of
 * reuse; a fresh buffer per chunk did not show it. With another allocator's
 * alignment, 1 start in 256 is in that window.
 */
function allocatePool(size: number): [Buffer, Buffer] {
  const stride = Math.ceil(size / PAGE_BYTES) * PAGE_BYTES;
  const block = Buffer.allocUnsafeSlow(PAGE_BYTES + 2 * stride);
  const first = PAGE_BYTES - 16;
  return [block.subarray(first, first + size), block.subarray(first + stride, first + stride + size)];
}

const PAGE_BYTES = 4096;

function noop(): void {}

function openFile(path: string): Promise<number> {
  return new Promise((resolve, reject) => open(path, 'r', (e, fd) => (e ? reject(e) : resolve(fd))));
}

/** Reads at the file position into `buf` from its start; the byte count. */
function readFile(fd: number, buf: Buffer): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buf, 0, buf.length, null, (e, n) => (e ? reject(e) : resolve(n))));
}

async function* gunzipChunks(name: string, input: AsyncIterable<Uint8Array>, onGzipError: ((e: GzipFailure) => void) | undefined): AsyncGenerator<Uint8Array> {
  const gunzip = createGunzip();
  let compressed = 0;
  let decompressed = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const c of input) {
      compressed += c.length;
      yield c;
    }
  }
  const src = Readable.from(counted(), { objectMode: false });
  src.on('error', (e) => gunzip.destroy(e));
  src.pipe(gunzip);
  try {
    for await (const c of gunzip) {
      decompressed += (c as Uint8Array).length;
      yield c as Uint8Array;
    }
  } catch (e) {
    if (e instanceof FlowhoundError) throw e;
    const problem = (e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' ? 'gzip stream is truncated' : (e as Error).message;
    const failure: GzipFailure = { file: name, problem, compressedOffset: compressed, decompressedBytes: decompressed };
    if (onGzipError) {
      src.destroy();
      onGzipError(failure);
      return;
    }
    throw new FlowhoundError('INPUT_TRUNCATED', describeGzipFailure(failure, false), { file: name, offset: compressed }, { cause: e });
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
  throw new FlowhoundError('INPUT_UNREADABLE', `byte source yielded a ${typeof c} chunk, expected bytes or a string`);
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
