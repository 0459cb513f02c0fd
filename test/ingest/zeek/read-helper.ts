/** Test helper: reads bytes through flowhound's detection and readers at a given chunk size. */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { openByteSourceFromChunks, rechunk } from '../../../src/io/byte-source.js';
import type { InputFormat } from '../../../src/ingest/detect.js';
import { parseCsvMap } from '../../../src/ingest/csv/csv-map.js';
import { readSource } from '../../../src/ingest/read-input.js';
import type { DnsRecord, FlowRecord, IngestWarning } from '../../../src/types.js';

export const CHUNK_SIZES = [1, 7, 65536] as const;

export interface ReadResult {
  flows: FlowRecord[];
  dns: DnsRecord[];
  warnings: IngestWarning[];
  batches: number;
}

export interface ReadTestOptions {
  chunkSize?: number;
  format?: InputFormat;
  maxInvalid?: number;
  name?: string;
  csvMap?: string;
}

export async function readBytes(bytes: Uint8Array | string, options: ReadTestOptions = {}): Promise<ReadResult> {
  const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  const source = await openByteSourceFromChunks(options.name ?? 'test.log', rechunk([data], options.chunkSize ?? 65536));
  const out: ReadResult = { flows: [], dns: [], warnings: [], batches: 0 };
  const readOptions: Parameters<typeof readSource>[1] = {
    maxInvalid: options.maxInvalid ?? 25,
    onWarning: (w) => out.warnings.push(w),
  };
  if (options.format !== undefined) readOptions.format = options.format;
  if (options.csvMap !== undefined) readOptions.csvMap = parseCsvMap(options.csvMap);
  for await (const b of readSource(source, readOptions)) {
    out.batches++;
    for (const f of b.flows) out.flows.push(f);
    for (const d of b.dns) out.dns.push(d);
  }
  return out;
}

export async function readFile(path: string, options: ReadTestOptions = {}): Promise<ReadResult> {
  return readBytes(readFileSync(path), { name: basename(path), ...options });
}

/** Data rows of a Zeek TSV log counted independently: non-empty lines not starting with '#' (after blanks). */
export function countTsvDataLines(text: string): number {
  return text.split('\n').filter((l) => l.replace(/\r$/, '').trim() !== '' && !l.trimStart().startsWith('#')).length;
}

/** Lines of a JSON-lines file that are not empty. */
export function countJsonLines(text: string): number {
  return text.split('\n').filter((l) => l.trim() !== '').length;
}
