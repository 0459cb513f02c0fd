/**
 * A Zeek log directory as one input (a day of rotated `conn.*.log.gz` and
 * `dns.*.log.gz`, a sensor's `current/`, Slips' `test9-mixed-zeek-dir`).
 *
 * 1. Every regular file in the directory (not recursive) is sniffed from
 *    its first 64 KiB (decompressed when gzip): its format by content
 *    (detect.ts), its log by `#path` / `_path` / columns (log-kind.ts), and
 *    the ts of its first record. Files that are not Zeek conn or dns logs
 *    (http.log, ssl.log, stats, pcaps, subdirectories...) are skipped, each
 *    reported with the reason through `onWarning` (code SKIPPED_FILE).
 * 2. The conn and dns files are merged in time order: a k-way merge over
 *    the files' batches by ts. Files are opened lazily, when the merge
 *    reaches their first timestamp, so a day of rotated hourly files keeps
 *    one or two files open, while logs that overlap in time (two sensors,
 *    conn and dns of the same hour) are interleaved.
 * 3. Order is by ts at batch granularity: each batch is sorted, and across
 *    batches a record is emitted only once no open file can still yield an
 *    earlier one from its current batch. A conn.log itself is written in
 *    connection-end order, so records later in a file can still be earlier
 *    than ones already emitted (by up to the longest connection); the
 *    windower's lateness handles that, as it does for a single conn.log.
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { constants, gunzipSync } from 'node:zlib';
import { FlowhoundError } from '../../errors.js';
import { openByteSource } from '../../io/byte-source.js';
import { createRecordBatch, type DnsRecord, type FlowRecord, type RecordBatch } from '../../types.js';
import { detectFormat } from '../detect.js';
import type { ReadOptions } from '../read-options.js';
import { classifyZeekLog, type ZeekLogKind } from './log-kind.js';
import { parseJsonLine, readZeekJson } from './read-zeek-json.js';
import { readZeekTsv } from './read-zeek-tsv.js';
import { applyHeaderLine, createZeekHeader } from './zeek-header.js';

const SNIFF_BYTES = 64 * 1024;
/** Records gathered before a merged batch is yielded. */
const OUT_BATCH = 8192;

/** What sniffing one file found. */
export interface ZeekFileInfo {
  path: string;
  format: 'zeek-tsv' | 'zeek-json';
  kind: ZeekLogKind;
  /** ts of the first record, +Infinity when the sniffed head has none. */
  firstTs: number;
}

export type SniffResult = ZeekFileInfo | { path: string; skip: string };

/** Sniffs one file: its format, log kind and first ts, or why it is skipped. */
export function sniffZeekFile(path: string): SniffResult {
  let head: Buffer;
  try {
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(SNIFF_BYTES);
      const n = readSync(fd, buf, 0, SNIFF_BYTES, 0);
      head = buf.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    return { path, skip: `cannot read: ${(e as Error).message}` };
  }
  if (head.length === 0) return { path, skip: 'empty file' };
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    try {
      head = gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
    } catch (e) {
      return { path, skip: `damaged gzip: ${(e as Error).message}` };
    }
  }
  const format = detectFormat(head);
  if (format !== 'zeek-tsv' && format !== 'zeek-json') return { path, skip: format === null ? 'not a Zeek log (unknown format)' : `not a Zeek log (${format})` };
  const text = head.toString('utf8');
  const lines = text.split('\n');
  // The last line may be cut by the sniff window.
  if (head.length === SNIFF_BYTES || !text.endsWith('\n')) lines.pop();
  if (format === 'zeek-json') {
    for (const raw of lines) {
      const line = raw.trim();
      if (line === '') continue;
      const r = parseJsonLine(line);
      if (typeof r === 'string') continue;
      if (r.kind === 'skip') return { path, skip: `Zeek log '${r.path}' (flowhound reads conn and dns logs)` };
      return { path, format, kind: r.kind, firstTs: r.kind === 'conn' ? r.flow.ts : r.dns.ts };
    }
    return { path, skip: 'no conn or dns record in its first 64 KiB' };
  }
  const h = createZeekHeader();
  let kind: ZeekLogKind | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, '');
    const t = line.trimStart();
    if (t.startsWith('#')) {
      if (applyHeaderLine(h, t.slice(1), i + 1) === 'fields' && h.fields !== null) {
        const fields = h.fields;
        kind = classifyZeekLog(h.path, (f) => fields.includes(f));
        if (kind === null) return { path, skip: `Zeek log '${h.path ?? 'unknown'}' (flowhound reads conn and dns logs)` };
      }
      continue;
    }
    if (line === '' || kind === null || h.fields === null) continue;
    const tsCol = h.fields.indexOf('ts');
    const ts = Number(line.split(h.separator)[tsCol]);
    return { path, format, kind, firstTs: Number.isFinite(ts) ? ts : Number.POSITIVE_INFINITY };
  }
  if (kind === null) return { path, skip: 'no #fields header in its first 64 KiB' };
  return { path, format, kind, firstTs: Number.POSITIVE_INFINITY };
}

interface MergeStream {
  name: string;
  it: AsyncIterator<RecordBatch>;
  flows: FlowRecord[];
  fi: number;
  dns: DnsRecord[];
  di: number;
  done: boolean;
}

const byTs = (a: { ts: number }, b: { ts: number }): number => a.ts - b.ts;

function headTs(s: MergeStream): number {
  const f = s.fi < s.flows.length ? (s.flows[s.fi] as FlowRecord).ts : Number.POSITIVE_INFINITY;
  const d = s.di < s.dns.length ? (s.dns[s.di] as DnsRecord).ts : Number.POSITIVE_INFINITY;
  return Math.min(f, d);
}

async function refill(s: MergeStream): Promise<void> {
  while (!s.done && s.fi >= s.flows.length && s.di >= s.dns.length) {
    const r = await s.it.next();
    if (r.done) {
      s.done = true;
      return;
    }
    s.flows = r.value.flows.sort(byTs);
    s.dns = r.value.dns.sort(byTs);
    s.fi = 0;
    s.di = 0;
  }
}

/** Reads a Zeek log directory: its conn and dns logs merged in time order. */
export async function* readZeekDirectory(dir: string, options: ReadOptions): AsyncGenerator<RecordBatch> {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw new FlowhoundError('INPUT_UNREADABLE', `${dir}: cannot list directory: ${(e as Error).message}`, { file: dir }, { cause: e });
  }
  const files: ZeekFileInfo[] = [];
  let skipped = 0;
  for (const name of names) {
    const path = join(dir, name);
    let isFile = false;
    try {
      isFile = statSync(path).isFile();
    } catch {
      isFile = false;
    }
    const r: SniffResult = isFile ? sniffZeekFile(path) : { path, skip: 'not a regular file (directories are not read recursively)' };
    if ('skip' in r) {
      skipped++;
      options.onWarning({ code: 'SKIPPED_FILE', file: path, message: `${path}: skipped: ${r.skip}` });
    } else {
      files.push(r);
    }
  }
  if (files.length === 0) {
    throw new FlowhoundError('INPUT_UNKNOWN_FORMAT', `${dir}: no Zeek conn or dns logs in this directory (${skipped} files skipped)`, { file: dir });
  }
  files.sort((a, b) => a.firstTs - b.firstTs || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const pending = files.slice();
  const active: MergeStream[] = [];
  const open = async (f: ZeekFileInfo): Promise<void> => {
    const source = await openByteSource(f.path, options.onProgress ? { onRead: (n) => options.onProgress?.(f.path, n, null) } : {});
    const reader = f.format === 'zeek-tsv' ? readZeekTsv(source, options) : readZeekJson(source, options);
    const s: MergeStream = { name: f.path, it: reader[Symbol.asyncIterator](), flows: [], fi: 0, dns: [], di: 0, done: false };
    await refill(s);
    if (!s.done) active.push(s);
  };

  let out = createRecordBatch();
  let outCount = 0;
  while (true) {
    let minHead = Number.POSITIVE_INFINITY;
    for (const s of active) minHead = Math.min(minHead, headTs(s));
    while (pending.length > 0 && (active.length === 0 || (pending[0] as ZeekFileInfo).firstTs <= minHead)) {
      await open(pending.shift() as ZeekFileInfo);
      minHead = Number.POSITIVE_INFINITY;
      for (const s of active) minHead = Math.min(minHead, headTs(s));
    }
    if (active.length === 0) break;
    // The stream with the earliest head, and the bound up to which it may emit.
    let best = active[0] as MergeStream;
    let bestTs = headTs(best);
    let second = Number.POSITIVE_INFINITY;
    for (let i = 1; i < active.length; i++) {
      const s = active[i] as MergeStream;
      const t = headTs(s);
      if (t < bestTs) {
        second = bestTs;
        best = s;
        bestTs = t;
      } else if (t < second) {
        second = t;
      }
    }
    const limit = Math.min(second, pending.length > 0 ? (pending[0] as ZeekFileInfo).firstTs : Number.POSITIVE_INFINITY);
    const s = best;
    while (true) {
      const f = s.fi < s.flows.length ? (s.flows[s.fi] as FlowRecord) : null;
      const d = s.di < s.dns.length ? (s.dns[s.di] as DnsRecord) : null;
      if (f !== null && (d === null || f.ts <= d.ts)) {
        if (f.ts > limit) break;
        out.flows.push(f);
        s.fi++;
      } else if (d !== null) {
        if (d.ts > limit) break;
        out.dns.push(d);
        s.di++;
      } else {
        break;
      }
      outCount++;
    }
    if (s.fi >= s.flows.length && s.di >= s.dns.length) {
      if (outCount >= OUT_BATCH) {
        yield out;
        out = createRecordBatch();
        outCount = 0;
      }
      await refill(s);
      if (s.done) active.splice(active.indexOf(s), 1);
    } else if (outCount >= OUT_BATCH) {
      yield out;
      out = createRecordBatch();
      outCount = 0;
    }
  }
  if (outCount > 0) yield out;
}
