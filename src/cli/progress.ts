/**
 * A one-line progress display on stderr: the input being read, the share of
 * it read so far, and records per second. It draws only when stderr is a
 * terminal (never into a redirected log), at most a few times per second,
 * and erases itself when done. Any command can use it with readInputs'
 * `onProgress` and a records counter.
 */
import { statSync } from 'node:fs';
import type { Sink } from '../sink/sink.js';

export interface ProgressLine {
  /** Bytes of `name` read so far (`sizeBytes` null: looked up once from the file when possible). */
  onRead(name: string, bytesRead: number, sizeBytes: number | null): void;
  /** Adds to the records counter. */
  addRecords(n: number): void;
  /** Erases the line. */
  done(): void;
}

export interface ProgressOptions {
  /** Defaults to process.stderr. */
  stream?: NodeJS.WriteStream;
  /** What the records are called ("connections", "lines"). */
  unit?: string;
  /** Minimum time between redraws (default 250 ms). */
  intervalMs?: number;
}

export function createProgressLine(options: ProgressOptions = {}): ProgressLine {
  const stream = options.stream ?? process.stderr;
  const unit = options.unit ?? 'records';
  const intervalMs = options.intervalMs ?? 250;
  const enabled = stream.isTTY === true;
  const startMs = Date.now();
  const sizes = new Map<string, number | null>();
  let records = 0;
  let lastDrawMs = 0;
  let drawn = false;
  let current = '';
  let currentRead = 0;

  function sizeOf(name: string, given: number | null): number | null {
    if (given !== null) return given;
    if (!sizes.has(name)) {
      let s: number | null = null;
      if (name !== '-') {
        try {
          const st = statSync(name);
          s = st.isFile() ? st.size : null;
        } catch {
          s = null;
        }
      }
      sizes.set(name, s);
    }
    return sizes.get(name) ?? null;
  }

  function draw(size: number | null): void {
    const now = Date.now();
    if (now - lastDrawMs < intervalMs) return;
    lastDrawMs = now;
    const elapsedSec = (now - startMs) / 1000;
    const share = size && size > 0 ? `${Math.min(100, (100 * currentRead) / size).toFixed(1)}%` : `${(currentRead / 1048576).toFixed(1)} MiB`;
    const rate = elapsedSec > 0 ? Math.round(records / elapsedSec) : 0;
    const width = stream.columns && stream.columns > 20 ? stream.columns - 1 : 79;
    // No count before the first records: a capture hands its connections over as they end, so a
    // count would read "0" for most of a long capture, even at 100 % read.
    let line = records > 0 ? `${current}: ${share}, ${records} ${unit} (${rate}/s)` : `${current}: ${share}`;
    if (line.length > width) line = `…${line.slice(line.length - width + 1)}`;
    stream.write(`\r${line}\x1b[K`);
    drawn = true;
  }

  return {
    onRead(name, bytesRead, sizeBytes) {
      if (!enabled) return;
      current = name;
      currentRead = bytesRead;
      draw(sizeOf(name, sizeBytes));
    },
    addRecords(n) {
      records += n;
    },
    done() {
      if (enabled && drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}

/** A sink that erases the progress line before it writes (findings, a table's end). */
export function clearingProgress(sink: Sink, progress: ProgressLine): Sink {
  return {
    write(findings) {
      progress.done();
      sink.write(findings);
    },
    close() {
      progress.done();
      return sink.close();
    },
  };
}
