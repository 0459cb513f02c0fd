/**
 * Follows a growing file like `tail -F`: an async iterable of the bytes
 * appended to it, for the existing readers (readSource) to parse.
 *
 * Algorithm (one poll every `pollMs`, wall clock only for the polling):
 * 1. stat the path. Missing: wait for it to (re)appear (Zeek's `current`
 *    directory between a rotation's rename and the new file).
 * 2. Another file at the path (device or inode changed): read what is left
 *    of the open one to its end, then open the new one from byte 0
 *    (`rotations`).
 *    A file's identity is that of the handle opened (fstat), not of the
 *    stat that led to the open: when a rotation lands between the two, the
 *    file the stat named is read from beside the path first (a rotation too).
 * 3. Same file but smaller than the read offset, or whose first bytes
 *    (up to 1 KiB, the fingerprint a state file keeps too) are no longer
 *    the ones read from it (copytruncate or `> file`, then regrown past the
 *    read offset before this poll): start again from byte 0 of the new
 *    content (`truncations`).
 * 4. Larger: read the new bytes, in reads of at most `chunkSize`.
 * Chunks end at a line end: a partial last line is held back until its
 * newline arrives, so `position()` always names a line boundary that a
 * restart can resume from. The held-back part is yielded (with a newline
 * added) when the file rotates or is truncated, and as is when the follower
 * ends idle; it is dropped on abort (a resume reads it again).
 *
 * The follower ends when `signal` aborts or, with `idleEndMs`, after that
 * long without new bytes (tests and one-shot runs). It also tracks the
 * latest Zeek TSV header block (`#separator` … `#types` lines) it passed,
 * so a state file can resume mid-file (see `prefix`).
 */
import { closeSync, openSync, readdirSync, readSync, type Stats, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type FileHandle, open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { FlowhoundError } from '../errors.js';

/** Which file a position is in: device and inode numbers. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

/** Where a follower stands: the file and the offset just after the last line handed out. */
export interface FollowPosition {
  identity: FileIdentity | null;
  offset: number;
  /** The Zeek TSV header block in effect at `offset` (text with newlines), or null. */
  header: string | null;
  /**
   * `LEN:SHA1` of the file's first LEN (at most 1024) bytes, so that a resume
   * notices a different file that got the same inode number (deleted and
   * re-created); null before any byte was read.
   */
  fingerprint: string | null;
}

export interface FollowFileOptions {
  /** Poll interval in ms (default 250). */
  pollMs?: number;
  /** Largest read in bytes (default 1 MiB). */
  chunkSize?: number;
  /** Ends the follower. */
  signal?: AbortSignal;
  /** End after this many ms without new bytes (default: never). */
  idleEndMs?: number;
  /**
   * Resume here when the file at the path is still `start.identity` and at
   * least `start.offset` long; else start at byte 0 (the file was rotated
   * or truncated meanwhile). `start.header` is yielded first, so a reader
   * resuming mid-file sees the TSV header.
   */
  start?: FollowPosition;
  /**
   * Without a usable `start`: begin at the end of what the file holds now
   * (after its last complete line), like `tail -F -n 0`, yielding its leading
   * `#` header lines first so a TSV reader knows the columns. Default: from
   * byte 0. A file created or rotated later is always read from byte 0.
   */
  startAtEnd?: boolean;
  /** Called on each rotation or truncation (for the run summary). */
  onReopen?: (event: { kind: 'rotation' | 'truncation'; path: string }) => void;
}

export interface FileFollower extends AsyncIterable<Uint8Array> {
  readonly path: string;
  /** The position after the last chunk handed out. */
  position(): FollowPosition;
  readonly stats: { bytesRead: number; rotations: number; truncations: number; resumed: boolean };
}

const DEFAULT_POLL_MS = 250;
const DEFAULT_CHUNK = 1 << 20;
const NL = 0x0a;
const FINGERPRINT_BYTES = 1024;

export function computeFingerprint(head: Uint8Array): string | null {
  if (head.length === 0) return null;
  return `${head.length}:${createHash('sha1').update(head).digest('hex')}`;
}
const HASH = 0x23;

interface Piece {
  data: Uint8Array;
  identity: FileIdentity | null;
  fingerprint: string | null;
  /** Offset in that file just after `data`. */
  endOffset: number;
}

const HEADER_SCAN_BYTES = 64 * 1024;

function sameFile(a: Stats, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** Where `startAtEnd` begins (after the last complete line) and the file's leading `#` header lines. */
async function findEndStart(fh: FileHandle, size: number): Promise<{ offset: number; header: string | null }> {
  const headBuf = Buffer.alloc(Math.min(HEADER_SCAN_BYTES, size));
  const headLen = (await fh.read(headBuf, 0, headBuf.length, 0)).bytesRead;
  const lines: string[] = [];
  let i = 0;
  while (i < headLen && headBuf[i] === HASH) {
    const end = headBuf.indexOf(NL, i);
    if (end < 0 || end >= headLen) break;
    lines.push(headBuf.toString('utf8', i, end).replace(/\r$/, ''));
    i = end + 1;
  }
  const tailLen = Math.min(HEADER_SCAN_BYTES, size);
  const tail = Buffer.alloc(tailLen);
  const got = (await fh.read(tail, 0, tailLen, size - tailLen)).bytesRead;
  const lastNl = tail.subarray(0, got).lastIndexOf(NL);
  const offset = lastNl < 0 ? (tailLen === size ? 0 : size - tailLen) : size - tailLen + lastNl + 1;
  return { offset, header: lines.length ? `${lines.join('\n')}\n` : null };
}

export function createFileFollower(path: string, options: FollowFileOptions = {}): FileFollower {
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  const stats = { bytesRead: 0, rotations: 0, truncations: 0, resumed: false };
  let handed: FollowPosition = { identity: null, offset: 0, header: null, fingerprint: null };
  let header: string | null = null;
  /** Header lines gathered since the last data line. */
  let headerLines: string[] = [];
  let lastLineWasData = true;
  let started = false;

  function noteLines(chunk: Uint8Array): void {
    // Fast path: no line starts with '#'.
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (buf[0] !== HASH && buf.indexOf('\n#') < 0) {
      if (buf.length > 0) lastLineWasData = true;
      return;
    }
    let i = 0;
    while (i < buf.length) {
      let end = buf.indexOf(NL, i);
      if (end < 0) end = buf.length;
      if (buf[i] === HASH) {
        const line = buf.toString('utf8', i, end).replace(/\r$/, '');
        if (!line.startsWith('#close')) {
          if (lastLineWasData) headerLines = [];
          lastLineWasData = false;
          headerLines.push(line);
          header = `${headerLines.join('\n')}\n`;
        }
      } else if (end > i) lastLineWasData = true;
      i = end + 1;
    }
  }

  async function* follow(): AsyncGenerator<Uint8Array> {
    if (started) throw new FlowhoundError('INVALID_ARGUMENT', `${path}: a file follower can be iterated once`, { file: path });
    started = true;
    const signal = options.signal;
    let fh: FileHandle | null = null;
    let identity: FileIdentity | null = null;
    let offset = 0;
    let carry: Uint8Array[] = [];
    /** The file went away; its successor is a rotation. */
    let awaitingRotation = false;
    let lastDataAt = Date.now();
    /** The current file's first bytes (up to FINGERPRINT_BYTES), for its fingerprint. */
    let firstBytes: Buffer = Buffer.alloc(0);
    /** The fingerprint of `firstBytes`, computed again whenever that buffer is replaced (it is never changed in place). */
    let fpCache: { of: Buffer | null; value: string | null } = { of: null, value: null };
    const fingerprint = (): string | null => {
      if (fpCache.of !== firstBytes) fpCache = { of: firstBytes, value: computeFingerprint(firstBytes) };
      return fpCache.value;
    };
    const buf = Buffer.allocUnsafe(chunkSize);
    const start = options.start;

    /**
     * Opens the file at the path, to be read from `at`; returns its stats,
     * or null when the path is gone. Its identity is taken from the opened
     * handle, not from the stat of the path that led here: a rotation can
     * land between that stat and this open (the open waits on the thread
     * pool), and the file opened is then a newer one (see finishReplaced).
     */
    async function openAt(at: number): Promise<Stats | null> {
      let opened: Stats;
      try {
        fh = await open(path, 'r');
        opened = await (fh as FileHandle).stat();
      } catch (e) {
        await (fh as FileHandle | null)?.close();
        fh = null;
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return null; // gone again: next poll
        throw new FlowhoundError('INPUT_UNREADABLE', `${path}: cannot open: ${(e as Error).message}`, { file: path }, { cause: e });
      }
      identity = { dev: opened.dev, ino: opened.ino };
      offset = at;
      firstBytes = Buffer.alloc(0);
      if (at > 0) {
        const head = Buffer.alloc(Math.min(FINGERPRINT_BYTES, at));
        const { bytesRead } = await (fh as FileHandle).read(head, 0, head.length, 0);
        firstBytes = head.subarray(0, bytesRead);
      }
      return opened;
    }

    /**
     * When openAt opened another file than the one the stat `seen` of the
     * path named (rotated away in between), that file's lines from byte 0,
     * read from where it went beside the path (see findMovedFile), and a
     * rotation counted; the opened file stays open, to be read from byte 0.
     * Nothing when it is the same file or the other one is not found.
     */
    async function finishReplaced(seen: Stats, opened: Stats): Promise<Piece[]> {
      if (sameFile(seen, opened)) return [];
      const moved = findMovedFile(path, { identity: { dev: seen.dev, ino: seen.ino }, offset: 0, header: null, fingerprint: null });
      if (moved === null) return [];
      const pieces = await readMoved(moved, 0);
      identity = { dev: opened.dev, ino: opened.ino };
      offset = 0;
      firstBytes = Buffer.alloc(0);
      stats.rotations++;
      options.onReopen?.({ kind: 'rotation', path });
      return pieces;
    }

    /** The held-back partial line as a piece (with a newline added when `terminate`). */
    function takeCarry(terminate: boolean): Piece | null {
      if (carry.length === 0) return null;
      const parts = carry;
      carry = [];
      return { data: Buffer.concat(terminate ? [...parts, Buffer.from('\n')] : parts), identity, fingerprint: fingerprint(), endOffset: offset };
    }

    /** Reads from the open file up to `size`; returns line-aligned pieces. */
    async function readTo(size: number): Promise<Piece[]> {
      const out: Piece[] = [];
      while (fh !== null && offset < size) {
        const want = Math.min(chunkSize, size - offset);
        const { bytesRead } = await fh.read(buf, 0, want, offset);
        if (bytesRead === 0) break;
        const data = Buffer.from(buf.subarray(0, bytesRead));
        if (offset < FINGERPRINT_BYTES && firstBytes.length === offset) {
          firstBytes = Buffer.concat([firstBytes, data.subarray(0, FINGERPRINT_BYTES - offset)]);
        }
        offset += bytesRead;
        stats.bytesRead += bytesRead;
        const lastNl = data.lastIndexOf(NL);
        if (lastNl < 0) {
          carry.push(data);
          continue;
        }
        const whole = carry.length ? Buffer.concat([...carry, data.subarray(0, lastNl + 1)]) : data.subarray(0, lastNl + 1);
        carry = lastNl + 1 < data.length ? [data.subarray(lastNl + 1)] : [];
        out.push({ data: whole, identity, fingerprint: fingerprint(), endOffset: offset - (data.length - lastNl - 1) });
      }
      return out;
    }

    function statPath(): Stats | null {
      try {
        return statSync(path);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return null;
        throw new FlowhoundError('INPUT_UNREADABLE', `${path}: cannot stat: ${(e as Error).message}`, { file: path }, { cause: e });
      }
    }

    /** True when the open file's first bytes hash to `fp` (`LEN:SHA1`); keeps them as the file's first bytes. */
    async function matchesFingerprint(fp: string): Promise<boolean> {
      const len = Number.parseInt(fp, 10);
      if (!(len > 0 && len <= FINGERPRINT_BYTES) || fh === null) return false;
      const head = Buffer.alloc(len);
      const { bytesRead } = await (fh as FileHandle).read(head, 0, len, 0);
      if (bytesRead !== len || computeFingerprint(head) !== fp) return false;
      firstBytes = head;
      return true;
    }

    /**
     * True when the open file's first bytes are no longer the ones read
     * from it: copytruncate (or `> file`) followed by new writes that made
     * the file at least as long as the read offset again before this poll.
     */
    async function headChanged(): Promise<boolean> {
      if (fh === null || firstBytes.length === 0) return false;
      const head = Buffer.alloc(firstBytes.length);
      const { bytesRead } = await (fh as FileHandle).read(head, 0, head.length, 0);
      return bytesRead < head.length || !head.equals(firstBytes);
    }

    async function closeOld(): Promise<Piece[]> {
      const old = fh as FileHandle | null;
      if (old === null) return [];
      const pieces = await readTo((await old.stat()).size);
      const tail = takeCarry(true);
      if (tail) pieces.push(tail);
      await old.close();
      fh = null;
      return pieces;
    }

    /** Yields `start.header` (a TSV header) before resuming mid-file, and notes it as the header in effect. */
    function resumeHeader(): Buffer | null {
      if (start === undefined || start.header === null || start.offset <= 0) return null;
      header = start.header;
      headerLines = start.header.replace(/\n$/, '').split('\n');
      lastLineWasData = false;
      return Buffer.from(start.header);
    }

    /**
     * Reads a file that is no longer at the path (see findMovedFile) from
     * `from` to its end: line-aligned pieces, a partial last line completed.
     * It is read with a handle of its own, closed at the end (also when a
     * read fails); the follower's open file, if any, is current again after.
     */
    async function readMoved(moved: MovedFile, from: number): Promise<Piece[]> {
      const own = fh;
      const movedFh = await open(moved.path, 'r');
      fh = movedFh;
      identity = moved.identity;
      offset = from;
      firstBytes = moved.head;
      try {
        const pieces = await readTo(moved.size);
        const tail = takeCarry(true);
        if (tail) pieces.push(tail);
        return pieces;
      } finally {
        await movedFh.close();
        fh = own;
      }
    }

    try {
      const st0 = statPath();
      if (st0?.isDirectory()) throw new FlowhoundError('INPUT_UNREADABLE', `${path}: is a directory, expected a file`, { file: path });
      let usable = false;
      if (st0 !== null && start?.identity && start.identity.dev === st0.dev && start.identity.ino === st0.ino && st0.size >= start.offset) {
        const opened = await openAt(start.offset);
        // The same inode number may be another file (deleted and re-created, or truncated and regrown): compare the first bytes.
        usable =
          opened !== null &&
          opened.dev === start.identity.dev &&
          opened.ino === start.identity.ino &&
          (start.fingerprint === null || (await matchesFingerprint(start.fingerprint)));
        if (!usable) {
          await (fh as FileHandle | null)?.close();
          fh = null;
        }
      }
      if (usable && start) {
        stats.resumed = true;
        handed = { identity, offset: start.offset, header: start.header, fingerprint: fingerprint() };
        const h = resumeHeader();
        if (h) yield h;
      } else if (start?.identity && start.offset > 0) {
        // The file the state names left the path while no one followed it: rotated by rename
        // (same inode) or copytruncate (a copy with the same first bytes). Finish it first.
        const moved = findMovedFile(path, start);
        if (moved !== null) {
          stats.resumed = true;
          handed = { identity: moved.identity, offset: start.offset, header: start.header, fingerprint: start.fingerprint };
          const h = resumeHeader();
          if (h) yield h;
          for (const p of await readMoved(moved, start.offset)) {
            if (p.data.length === 0) continue;
            noteLines(p.data);
            handed = { identity: p.identity, offset: p.endOffset, header, fingerprint: p.fingerprint };
            yield p.data;
          }
          stats.rotations++;
          options.onReopen?.({ kind: 'rotation', path });
        }
      }
      const opened0 = st0 !== null && fh === null && !stats.resumed ? await openAt(0) : null;
      if (st0 !== null && opened0 !== null && options.startAtEnd !== true) {
        for (const p of await finishReplaced(st0, opened0)) {
          if (p.data.length === 0) continue;
          noteLines(p.data);
          handed = { identity: p.identity, offset: p.endOffset, header, fingerprint: p.fingerprint };
          yield p.data;
        }
      }
      // startAtEnd skips what the file held at the stat (a file that replaced it before the open is new: read from byte 0).
      if (st0 !== null && opened0 !== null && options.startAtEnd === true && fh !== null && sameFile(st0, opened0)) {
        const skip = await findEndStart(fh as FileHandle, st0.size);
        offset = skip.offset;
        const head = Buffer.alloc(Math.min(FINGERPRINT_BYTES, offset));
        firstBytes = head.subarray(0, (await (fh as FileHandle).read(head, 0, head.length, 0)).bytesRead);
        handed = { identity, offset, header: skip.header, fingerprint: fingerprint() };
        if (skip.header !== null && offset > 0) {
          noteLines(Buffer.from(skip.header));
          handed = { identity, offset, header, fingerprint: fingerprint() };
          yield Buffer.from(skip.header);
        }
      }
      while (!signal?.aborted) {
        const st = statPath();
        let pieces: Piece[] = [];
        const readBefore = stats.bytesRead;
        if (st === null) {
          // Rotated away and not yet re-created: finish the old file.
          if (fh !== null) {
            pieces = await closeOld();
            awaitingRotation = true;
          }
        } else if (fh === null) {
          if (awaitingRotation) {
            awaitingRotation = false;
            stats.rotations++;
            options.onReopen?.({ kind: 'rotation', path });
          }
          const opened = await openAt(0);
          if (opened !== null) pieces = (await finishReplaced(st, opened)).concat(await readTo(Math.min(opened.size, offset + chunkSize)));
        } else if (identity !== null && (st.dev !== (identity as FileIdentity).dev || st.ino !== (identity as FileIdentity).ino)) {
          pieces = await closeOld();
          stats.rotations++;
          options.onReopen?.({ kind: 'rotation', path });
          const opened = await openAt(0);
          if (opened !== null) pieces = pieces.concat(await finishReplaced(st, opened), await readTo(Math.min(opened.size, offset + chunkSize)));
        } else if (st.size < offset || (await headChanged())) {
          const tail = takeCarry(true);
          if (tail) pieces.push(tail);
          // copytruncate: what was appended after our last read is in the copy; read it from there.
          const fp = fingerprint();
          const copy = fp !== null ? findMovedFile(path, { identity: null, offset, header, fingerprint: fp }) : null;
          if (copy !== null && copy.size > offset) {
            pieces = pieces.concat(await readMoved(copy, offset));
            identity = { dev: st.dev, ino: st.ino };
          }
          offset = 0;
          firstBytes = Buffer.alloc(0);
          stats.truncations++;
          options.onReopen?.({ kind: 'truncation', path });
          pieces = pieces.concat(await readTo(Math.min(st.size, offset + chunkSize)));
        } else {
          pieces = await readTo(Math.min(st.size, offset + chunkSize));
        }
        for (const p of pieces) {
          if (p.data.length === 0) continue;
          lastDataAt = Date.now();
          noteLines(p.data);
          handed = { identity: p.identity, offset: p.endOffset, header, fingerprint: p.fingerprint };
          yield p.data;
        }
        // More already there (catching up on a large file): read on without waiting, one chunk per turn, so memory stays bounded.
        if (stats.bytesRead > readBefore && fh !== null && st !== null && offset < st.size && identity !== null && st.ino === (identity as FileIdentity).ino && st.dev === (identity as FileIdentity).dev) continue;
        if (options.idleEndMs !== undefined && Date.now() - lastDataAt >= options.idleEndMs) {
          const tail = takeCarry(false);
          if (tail) {
            noteLines(tail.data);
            handed = { identity: tail.identity, offset: tail.endOffset, header, fingerprint: tail.fingerprint };
            yield tail.data;
          }
          return;
        }
        try {
          await sleep(pollMs, undefined, signal ? { signal } : undefined);
        } catch {
          // aborted: the loop condition ends it
        }
      }
    } finally {
      const open = fh as FileHandle | null;
      if (open !== null) await open.close();
    }
  }

  return {
    path,
    stats,
    position() {
      return handed;
    },
    [Symbol.asyncIterator]() {
      return follow();
    },
  };
}

/** A file that left the followed path, found beside it. */
interface MovedFile {
  path: string;
  identity: FileIdentity;
  size: number;
  /** Its first bytes (up to FINGERPRINT_BYTES). */
  head: Buffer;
}

/** Files looked at beside a followed path when its file moved. */
const MAX_SIBLINGS = 1000;

/**
 * The file a position names, when it is no longer at `path`: a sibling in
 * the same folder whose name starts with the same stem (`conn.log` →
 * `conn.log.1`, `conn.2026-12-05.log`) that is the same inode (rotated by
 * rename) or, for a position with a fingerprint, has the same first bytes
 * (copytruncate's copy), and holds at least `pos.offset` bytes. Null when
 * there is none (rotated to another folder, compressed, deleted).
 */
function findMovedFile(path: string, pos: FollowPosition): MovedFile | null {
  const dir = dirname(path);
  const base = basename(path);
  const stem = base.split('.')[0] ?? base;
  let names: string[];
  try {
    names = readdirSync(dir).slice(0, MAX_SIBLINGS);
  } catch {
    return null;
  }
  const fpLen = pos.fingerprint === null ? 0 : Number.parseInt(pos.fingerprint, 10);
  let byContent: MovedFile | null = null;
  for (const name of names) {
    if (name === base || !name.startsWith(stem)) continue;
    const p = join(dir, name);
    let st: Stats;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (!st.isFile() || st.size < pos.offset) continue;
    const sameInode = pos.identity !== null && st.dev === pos.identity.dev && st.ino === pos.identity.ino;
    if (!sameInode && (byContent !== null || !(fpLen > 0))) continue;
    const head = readHead(p, Math.min(FINGERPRINT_BYTES, Math.max(fpLen, 1)));
    if (head === null) continue;
    const fpMatches = pos.fingerprint === null || computeFingerprint(head.subarray(0, fpLen)) === pos.fingerprint;
    if (sameInode && fpMatches) return { path: p, identity: { dev: st.dev, ino: st.ino }, size: st.size, head };
    if (!sameInode && fpLen > 0 && head.length >= fpLen && fpMatches) byContent = { path: p, identity: { dev: st.dev, ino: st.ino }, size: st.size, head };
  }
  return byContent;
}

function readHead(path: string, len: number): Buffer | null {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(len);
    return buf.subarray(0, readSync(fd, buf, 0, len, 0));
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
