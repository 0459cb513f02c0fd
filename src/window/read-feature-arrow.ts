/**
 * Reads a feature file written by `flowhound features` (src/sink/arrow.ts)
 * back into FeatureWindows, for `train`. Arrow IPC files are recognized by
 * their magic "ARROW1". The schema is checked: the feature schema version in
 * the metadata, the window length, and every column with its type; anything
 * else is ARROW_BAD_SCHEMA naming the file and the problem.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { tableFromIPC, type Table } from 'apache-arrow';
import { FlowhoundError } from '../errors.js';
import type { Proto } from '../types.js';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_SCHEMA_VERSION, type FeatureWindow } from './feature-schema.js';

const MAGIC = 'ARROW1';
const PROTOS = new Set<Proto>(['tcp', 'udp', 'icmp', 'unknown_transport']);

/** True when the file starts with Arrow's IPC file magic. */
export function isArrowFile(path: string): boolean {
  if (path === '-') return false;
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(6);
    return readSync(fd, buf, 0, 6, 0) === 6 && buf.toString('latin1') === MAGIC;
  } catch {
    return false;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

export interface FeatureArrowFile {
  windows: FeatureWindow[];
  windowSec: number;
}

export function readFeatureArrow(path: string): FeatureArrowFile {
  const bad = (problem: string, cause?: unknown): FlowhoundError =>
    new FlowhoundError('ARROW_BAD_SCHEMA', `${path}: ${problem}`, { file: path }, cause === undefined ? undefined : { cause });
  let table: Table;
  try {
    table = tableFromIPC(readFileSync(path));
  } catch (e) {
    throw bad(`not a readable Arrow IPC file (${(e as Error).message})`, e);
  }
  const meta = table.schema.metadata;
  const version = meta.get('flowhound.feature_schema_version');
  if (version === undefined) throw bad('no flowhound.feature_schema_version in the schema metadata: not written by flowhound features');
  if (Number(version) !== FEATURE_SCHEMA_VERSION) throw bad(`feature schema version ${version}, this flowhound uses version ${FEATURE_SCHEMA_VERSION}; recompute the features`);
  const windowSec = Number(meta.get('flowhound.window_sec'));
  if (!(windowSec >= 1)) throw bad(`flowhound.window_sec is "${meta.get('flowhound.window_sec')}", expected a positive number`);
  const column = (name: string, typeName: string) => {
    const field = table.schema.fields.find((f) => f.name === name);
    if (!field) throw bad(`column ${name} is missing`);
    if (String(field.type) !== typeName) throw bad(`column ${name} is ${String(field.type)}, expected ${typeName}`);
    return table.getChild(name)!;
  };
  const start = column('window_start_sec', 'Float64').toArray() as Float64Array;
  const proto = column('proto', 'Utf8');
  const port = column('port', 'Int32').toArray() as Int32Array;
  const feats = FEATURE_NAMES.map((name) => column(name, 'Float64').toArray() as Float64Array);
  const windows: FeatureWindow[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const p = proto.get(i) as string;
    if (!PROTOS.has(p as Proto)) throw bad(`row ${i}: proto "${p}" is not tcp, udp, icmp or unknown_transport`);
    const values = new Float64Array(FEATURE_COUNT);
    for (let j = 0; j < FEATURE_COUNT; j++) values[j] = feats[j]![i]!;
    windows.push({ startSec: start[i]!, windowSec, proto: p as Proto, port: port[i]!, values });
  }
  return { windows, windowSec };
}
