/**
 * FeatureWindows as an Arrow IPC file (the "file" format, magic "ARROW1"),
 * readable by pyarrow, polars and DuckDB: one row per window, columns
 * `window_start_sec` (float64, seconds since the epoch), `proto` (utf8),
 * `port` (int32), then one float64 column per feature in schema order
 * (raw values, before transform and scaling; each field's metadata holds
 * its unit, transform and meaning). Schema metadata:
 * `flowhound.feature_schema_version`, `flowhound.window_sec`,
 * `flowhound.features` (comma-separated names).
 *
 * The sink collects columns in typed arrays and writes the file on close,
 * through a sibling temporary file renamed into place.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { Field, Float64, Int32, makeData, RecordBatch, Schema, Struct, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { FEATURE_COUNT, FEATURE_SCHEMA_VERSION, FEATURES, type FeatureWindow } from '../window/feature-schema.js';

export const ARROW_META_SCHEMA_VERSION = 'flowhound.feature_schema_version';
export const ARROW_META_WINDOW_SEC = 'flowhound.window_sec';
export const ARROW_META_FEATURES = 'flowhound.features';

export interface ArrowFeatureSink {
  write(windows: readonly FeatureWindow[]): void;
  /** Writes the file; returns the number of rows. */
  close(): Promise<number>;
}

/** The Arrow schema of a feature file with the given window length. */
export function createFeatureArrowSchema(windowSec: number): Schema {
  const fields = [
    new Field('window_start_sec', new Float64(), false),
    new Field('proto', new Utf8(), false),
    new Field('port', new Int32(), false),
    ...FEATURES.map((f) => new Field(f.name, new Float64(), false, new Map([['unit', f.unit], ['transform', f.transform], ['meaning', f.meaning]]))),
  ];
  return new Schema(
    fields,
    new Map([
      [ARROW_META_SCHEMA_VERSION, String(FEATURE_SCHEMA_VERSION)],
      [ARROW_META_WINDOW_SEC, String(windowSec)],
      [ARROW_META_FEATURES, FEATURES.map((f) => f.name).join(',')],
    ]),
  );
}

/** Builds an Arrow table of windows (all of one window length). */
export function buildFeatureTable(windows: readonly FeatureWindow[], windowSec: number): Table {
  const schema = createFeatureArrowSchema(windowSec);
  const n = windows.length;
  const start = new Float64Array(n);
  const port = new Int32Array(n);
  const protos: string[] = new Array(n);
  const cols = Array.from({ length: FEATURE_COUNT }, () => new Float64Array(n));
  windows.forEach((w, i) => {
    start[i] = w.startSec;
    port[i] = w.port;
    protos[i] = w.proto;
    for (let j = 0; j < FEATURE_COUNT; j++) cols[j]![i] = w.values[j]!;
  });
  const children = [
    makeData({ type: new Float64(), data: start }),
    vectorFromArray(protos, new Utf8()).data[0]!,
    makeData({ type: new Int32(), data: port }),
    ...cols.map((c) => makeData({ type: new Float64(), data: c })),
  ];
  const data = makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children });
  return new Table([new RecordBatch(schema, data)]);
}

export function createArrowFeatureSink(path: string, windowSec: number): ArrowFeatureSink {
  const windows: FeatureWindow[] = [];
  return {
    write(batch) {
      for (const w of batch) windows.push(w);
    },
    async close() {
      const bytes = tableToIPC(buildFeatureTable(windows, windowSec), 'file');
      const tmp = `${path}.tmp-${process.pid}`;
      writeFileSync(tmp, bytes);
      renameSync(tmp, path);
      return windows.length;
    },
  };
}
