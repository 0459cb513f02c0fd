/**
 * Line splitting over byte chunks for the text formats (Zeek TSV, Zeek JSON).
 *
 * Lines are found on the byte buffer (indexOf 0x0a) and each chunk's whole
 * lines are decoded to one string with one UTF-8 decode, so a parser walks a
 * block of lines with `indexOf('\n')` and `charCodeAt` and allocates only the
 * field values it keeps. A line cut by a chunk boundary is carried (as a list
 * of parts, never re-concatenated per chunk) into the next block.
 *
 * Also here: the bad-line bookkeeping every line-oriented reader shares
 * (skip, count, report, and stop after `maxInvalid` bad lines in a row).
 */
import { isAscii } from 'node:buffer';
import { FlowhoundError } from '../errors.js';
import type { IngestWarning, IngestWarningCode } from '../types.js';

/** Whole lines of one input chunk, decoded once. */
export interface LineBlock {
  /**
   * The lines, each ending in "\n" (a "\r" before it is kept: parsers strip
   * it), except the input's last line when it had no trailing newline.
   */
  text: string;
  /** 1-based number of the first line in `text`. */
  firstLine: number;
  /** True when `text` ends with a line that has no newline (the end of input). */
  unterminated: boolean;
  /**
   * Set (and `text` empty) when a line longer than `maxLineBytes` was
   * dropped; the number of that line. Its place among the blocks is its
   * place in the input.
   */
  droppedLongLine?: number;
  /**
   * With `segmentBytes`, the block's lines as several strings of about that
   * size (then `text` is ""): values sliced from a segment keep only that
   * segment alive, not the whole chunk's text.
   */
  segments?: LineSegment[];
  /**
   * With `bytes`, the block's lines undecoded (then `text` is ""): a view of
   * the input chunk (valid until the consumer asks for the next block; keep
   * copies, not views), or a copy for a line cut by a chunk boundary.
   */
  bytes?: Buffer;
  /**
   * With `bytes`: the line cut by the previous chunk boundary, completed (a
   * copy), which comes before `bytes`; `firstLine` is its number. Kept apart
   * so the chunk is not copied to prepend it, and in the same block so a
   * reader still makes one batch per chunk.
   */
  carried?: Buffer;
}

export interface LineSegment {
  text: string;
  firstLine: number;
}

export interface SplitLinesOptions {
  /** Longest line kept, in bytes (default 4 MiB); longer ones are dropped and reported. */
  maxLineBytes?: number;
  /**
   * Decode each chunk's lines in segments of about this many bytes instead of
   * one string (see LineBlock.segments). For parsers that keep substrings:
   * V8 makes a substring of 13 or more characters a slice sharing its
   * parent's memory, so a record kept for long (a window's address set) would
   * otherwise keep its whole 1 MiB chunk alive.
   */
  segmentBytes?: number;
  /**
   * Give the lines as bytes (LineBlock.bytes), not decoded: for a parser that
   * reads fields from the bytes and makes strings only of the values it
   * keeps (no text of the whole chunk, no V8 slices). A line carried across
   * a chunk boundary comes apart (LineBlock.carried). Overrides `segmentBytes`.
   * The parts of a line cut by a chunk boundary are copied, not kept as views
   * of their chunk, so once the consumer asks for the next block no chunk
   * it was given is read from again: the source may reuse its buffers
   * (ByteSource.reuseChunks).
   */
  bytes?: boolean;
}

export const DEFAULT_MAX_LINE_BYTES = 4 << 20;

/** Splits a byte-chunk stream into blocks of whole lines, one block per chunk. */
export async function* splitLines(chunks: AsyncIterable<Uint8Array>, options: SplitLinesOptions = {}): AsyncGenerator<LineBlock> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const raw = options.bytes === true;
  const segmentBytes = raw ? Number.POSITIVE_INFINITY : (options.segmentBytes ?? Number.POSITIVE_INFINITY);
  /** A block of whole lines `region[start, end)`: decoded, or (raw) a view. */
  const block = (region: Buffer, start: number, end: number, firstLine: number): LineBlock =>
    raw ? { text: '', firstLine, unterminated: false, bytes: region.subarray(start, end) } : { text: decode(region, start, end), firstLine, unterminated: false };
  let carry: Uint8Array[] = [];
  let carryBytes = 0;
  /** True while skipping the rest of an over-long line. */
  let dropping = false;
  let line = 1;
  for await (const chunk of chunks) {
    if (chunk.length === 0) continue;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const lastNl = buf.lastIndexOf(0x0a);
    if (lastNl < 0) {
      if (dropping) continue;
      carry.push(raw ? Buffer.from(buf) : buf);
      carryBytes += buf.length;
      if (carryBytes > maxLineBytes) {
        dropping = true;
        carry = [];
        carryBytes = 0;
        yield { text: '', firstLine: line, unterminated: false, droppedLongLine: line };
      }
      continue;
    }
    let start = 0;
    if (dropping) {
      // The over-long line ends at the first newline of this chunk.
      start = buf.indexOf(0x0a) + 1;
      dropping = false;
      line++;
    } else if (carryBytes > 0) {
      const firstNl = buf.indexOf(0x0a);
      if (carryBytes + firstNl > maxLineBytes) {
        yield { text: '', firstLine: line, unterminated: false, droppedLongLine: line };
        carry = [];
        carryBytes = 0;
        start = firstNl + 1;
        line++;
      }
    }
    if (start > lastNl) continue;
    let region: Buffer;
    /** With segments: the line carried from the previous chunk, completed, as the block's first segment (the rest of the chunk is not copied). */
    let carried: LineSegment | null = null;
    /** With `bytes`: that line's bytes (a copy), and its number. */
    let carriedRaw: Buffer | null = null;
    let carriedLine = 0;
    if (carryBytes > 0) {
      if (raw) {
        const firstNl = buf.indexOf(0x0a);
        carry.push(buf.subarray(0, firstNl + 1));
        carriedRaw = Buffer.concat(carry, carryBytes + firstNl + 1);
        carriedLine = line;
        line++;
        region = buf.subarray(firstNl + 1, lastNl + 1);
      } else if (segmentBytes < Number.POSITIVE_INFINITY) {
        const firstNl = buf.indexOf(0x0a);
        carry.push(buf.subarray(0, firstNl + 1));
        carried = { text: decode(Buffer.concat(carry, carryBytes + firstNl + 1), 0, carryBytes + firstNl + 1), firstLine: line };
        line++;
        region = buf.subarray(firstNl + 1, lastNl + 1);
      } else {
        carry.push(buf.subarray(0, lastNl + 1));
        region = Buffer.concat(carry, carryBytes + lastNl + 1);
      }
      carry = [];
      carryBytes = 0;
    } else {
      region = buf.subarray(start, lastNl + 1);
    }
    if (carried !== null && (region.length === 0 || region.length > maxLineBytes)) {
      yield { text: '', firstLine: carried.firstLine, unterminated: false, segments: [carried] };
      carried = null;
    }
    if (carriedRaw !== null && (region.length === 0 || region.length > maxLineBytes)) {
      yield { text: '', firstLine: carriedLine, unterminated: false, bytes: carriedRaw };
      carriedRaw = null;
    }
    if (region.length === 0) {
      // Only the carried line ended in this chunk.
    } else if (region.length <= maxLineBytes) {
      const firstLine = carried !== null ? carried.firstLine : line;
      if (carried !== null || segmentBytes < region.length) {
        const segments: LineSegment[] = carried !== null ? [carried] : [];
        let pos = 0;
        while (pos < region.length) {
          const cut = pos + segmentBytes;
          const segEnd = cut >= region.length ? region.length : region.indexOf(0x0a, cut - 1) + 1;
          segments.push({ text: decode(region, pos, segEnd), firstLine: line });
          line += countNewlines(region, pos, segEnd);
          pos = segEnd;
        }
        yield { text: '', firstLine, unterminated: false, segments };
      } else {
        line += countNewlines(region, 0, region.length);
        const b = block(region, 0, region.length, firstLine);
        if (carriedRaw !== null) {
          b.firstLine = carriedLine;
          b.carried = carriedRaw;
        }
        yield b;
      }
    } else {
      // Rare: a chunk bigger than the line limit; look for over-long lines in it.
      let from = 0;
      let good = 0;
      let goodFirst = line;
      while (from < region.length) {
        const nl = region.indexOf(0x0a, from);
        if (nl - from > maxLineBytes) {
          if (good < from) yield block(region, good, from, goodFirst);
          yield { text: '', firstLine: line, unterminated: false, droppedLongLine: line };
          good = nl + 1;
          goodFirst = line + 1;
        }
        from = nl + 1;
        line++;
      }
      if (good < region.length) yield block(region, good, region.length, goodFirst);
    }
    if (lastNl + 1 < buf.length) {
      const rest = buf.subarray(lastNl + 1);
      if (rest.length > maxLineBytes) {
        dropping = true;
        yield { text: '', firstLine: line, unterminated: false, droppedLongLine: line };
      } else {
        carry.push(raw ? Buffer.from(rest) : rest);
        carryBytes = rest.length;
      }
    }
  }
  if (carryBytes > 0) {
    const last = Buffer.concat(carry, carryBytes);
    yield raw ? { text: '', firstLine: line, unterminated: true, bytes: last } : { text: last.toString('utf8'), firstLine: line, unterminated: true };
  }
}

/** UTF-8 decode; pure ASCII (the usual log) takes the cheaper one-byte decode. */
export function decode(buf: Buffer, start: number, end: number): string {
  return isAscii(buf.subarray(start, end)) ? buf.toString('latin1', start, end) : buf.toString('utf8', start, end);
}

function countNewlines(buf: Buffer, from: number, to: number): number {
  let n = 0;
  let i = buf.indexOf(0x0a, from);
  while (i >= 0 && i < to) {
    n++;
    i = buf.indexOf(0x0a, i + 1);
  }
  return n;
}

/** End of the line starting at `start` in `text` (index of its "\n", or text.length), and where the next begins. */
export function findLineEnd(text: string, start: number): number {
  const nl = text.indexOf('\n', start);
  return nl < 0 ? text.length : nl;
}

/** The content end of a line (excluding a "\r" before its newline). */
export function trimCr(text: string, start: number, end: number): number {
  return end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
}

/**
 * Bad-line bookkeeping: every bad line is skipped, counted and reported
 * through `onWarning` with file and 1-based line number; `maxInvalid` bad
 * lines in a row stop the read with INPUT_TOO_MANY_INVALID.
 */
export interface InvalidLineCounter {
  /** Records a bad line (throws when it makes `maxInvalid` in a row). */
  invalid(line: number, problem: string): void;
  /** Records a good line (resets the run). */
  valid(): void;
  /**
   * Reports a last line without a newline that does not parse (a file cut
   * while being written) as TRUNCATED_LINE: reported, not counted against
   * `maxInvalid`.
   */
  truncatedLast(line: number, problem: string): void;
  /** Bad lines so far. */
  readonly total: number;
}

export function createInvalidLineCounter(
  file: string,
  maxInvalid: number,
  onWarning: (w: IngestWarning) => void,
  code: IngestWarningCode = 'INVALID_LINE',
): InvalidLineCounter {
  let inRow = 0;
  let firstOfRun = 0;
  let total = 0;
  return {
    invalid(line: number, problem: string): void {
      total++;
      if (inRow === 0) firstOfRun = line;
      inRow++;
      onWarning({ code, file, line, message: `${file}:${line}: ${problem}` });
      if (maxInvalid > 0 && inRow >= maxInvalid) {
        throw new FlowhoundError(
          'INPUT_TOO_MANY_INVALID',
          `${file}:${line}: ${inRow} invalid lines in a row (lines ${firstOfRun}-${line}; --max-invalid ${maxInvalid}); last: ${problem}`,
          { file, line, firstLine: firstOfRun, invalidInRow: inRow },
        );
      }
    },
    valid(): void {
      inRow = 0;
    },
    truncatedLast(line: number, problem: string): void {
      onWarning({ code: 'TRUNCATED_LINE', file, line, message: `${file}:${line}: last line has no newline and does not parse (truncated file?): ${problem}` });
    },
    get total() {
      return total;
    },
  };
}
