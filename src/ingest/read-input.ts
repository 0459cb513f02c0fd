/**
 * The one entry point from INPUT arguments to record batches: opens each
 * input (file, .gz, "-", or a Zeek log directory), detects its format from
 * content unless `format` forces one, and hands it to that format's reader.
 */
import { statSync } from 'node:fs';
import { FlowhoundError } from '../errors.js';
import { type ByteSource, describeGzipFailure, openByteSource } from '../io/byte-source.js';
import type { RecordBatch } from '../types.js';
import { detectFormat, type InputFormat } from './detect.js';
import type { ReadOptions } from './read-options.js';

export { DEFAULT_MAX_INVALID, type ReadOptions } from './read-options.js';

/** Reads one opened byte source of a known format. */
export type InputReader = (source: ByteSource, options: ReadOptions) => AsyncIterable<RecordBatch>;

/**
 * Each format's reader, imported when an input of that format is read, so
 * a run loads only the parsers it uses (csv-parse only for CSV exports).
 */
const readers: Partial<Record<InputFormat, () => Promise<InputReader>>> = {
  pcap: async () => (await import('./capture-ingest.js')).readCaptureRecords,
  pcapng: async () => (await import('./capture-ingest.js')).readCaptureRecords,
  'zeek-tsv': async () => (await import('./zeek/read-zeek-tsv.js')).readZeekTsv,
  'zeek-json': async () => (await import('./zeek/read-zeek-json.js')).readZeekJson,
  csv: async () => (await import('./csv/read-flow-csv.js')).readFlowCsv,
};

/**
 * Reads every input in turn, yielding batches. With several inputs and
 * without `strict`, an input that fails (a FlowhoundError: unknown format,
 * bad header, too many invalid lines, unreadable) is reported as an
 * INPUT_ABANDONED warning naming it, after the batches it gave, and the
 * other inputs are still read.
 */
export async function* readInputs(paths: readonly string[], options: ReadOptions): AsyncGenerator<RecordBatch> {
  for (const path of paths) {
    if (paths.length === 1 || options.strict === true) {
      yield* readInput(path, options);
      continue;
    }
    try {
      yield* readInput(path, options);
    } catch (e) {
      if (!(e instanceof FlowhoundError)) throw e;
      options.onWarning({
        code: 'INPUT_ABANDONED',
        file: path,
        ...(e.context.line !== undefined ? { line: e.context.line } : {}),
        ...(e.context.offset !== undefined ? { offset: e.context.offset } : {}),
        message: `${e.message}; the rest of ${path} is not read, the other inputs are (--strict stops here instead)`,
      });
    }
  }
}

export async function* readInput(path: string, options: ReadOptions): AsyncGenerator<RecordBatch> {
  if (path !== '-' && isDirectory(path)) {
    const { readZeekDirectory } = await import('./zeek/read-zeek-directory.js');
    yield* readZeekDirectory(path, options);
    return;
  }
  const source = await openByteSource(path, {
    ...(options.onProgress ? { onRead: (n: number) => options.onProgress?.(path, n, null) } : {}),
    onGzipError: (g) => {
      if (options.strict === true) throw new FlowhoundError('INPUT_TRUNCATED', describeGzipFailure(g, false), { file: g.file, offset: g.compressedOffset });
      options.onWarning({ code: 'INPUT_GZIP_DAMAGED', file: g.file, offset: g.compressedOffset, message: describeGzipFailure(g, true) });
    },
  });
  yield* readSource(source, options);
}

/** Reads an already opened source (tests use this with re-chunked input). */
export async function* readSource(source: ByteSource, options: ReadOptions): AsyncGenerator<RecordBatch> {
  if (source.head.length === 0) {
    // An empty file (a quiet hour's rotated log, an empty capture) holds no records: say so, do not fail the run.
    options.onWarning({ code: 'INPUT_EMPTY', file: source.name, message: `${source.name}: empty input, no records` });
    return;
  }
  const format = options.format ?? detectFormat(source.head);
  if (format === null) {
    throw new FlowhoundError(
      'INPUT_UNKNOWN_FORMAT',
      `${source.name}: unknown input format: not a pcap/pcapng capture, a Zeek log (#separator or #fields header, or JSON lines) or a CSV flow export with a header row; use --format to force one`,
      { file: source.name },
    );
  }
  const loadReader = readers[format];
  if (!loadReader) throw new FlowhoundError('INPUT_UNKNOWN_FORMAT', `${source.name}: no reader for format ${format}`, { file: source.name });
  const reader = await loadReader();
  yield* reader(source, options);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
