/**
 * Detector state as plain JSON data, for checkpoints (`watch --state`, a
 * scale-out worker's KV bucket): `encodeState` turns the values a detector
 * keeps (objects, arrays, `Map`, `Set`, `Float64Array`/`Float32Array`,
 * ±Infinity and NaN) into data that `JSON.stringify` keeps exactly, and
 * `decodeState` turns it back. Tagged forms: `{"$map":[[k,v],…]}`,
 * `{"$set":[…]}`, `{"$f64":[…]}`, `{"$f32":[…]}`, `{"$num":"-Infinity"}`.
 * Order is kept (a Map's and a Set's insertion order is part of a
 * detector's state: it decides which key is evicted or reported first).
 *
 * Objects shared by two places of a detector's state (a row in a table and
 * in its "open incidents" set) are not recognised: the detector writes the
 * second place as keys and looks the rows up again on restore.
 *
 * `readStateObject` and `checkFields` validate what `decodeState` gives
 * back at the top level of a detector's state, so a foreign or damaged
 * state fails with a STATE_INVALID error naming the detector and the field
 * instead of a crash later on.
 */
import { FlowhoundError } from '../errors.js';
import type { TableRow, TableSnapshot } from './incident-table.js';

export function encodeState(v: unknown): unknown {
  // One pass, no closures or entry arrays per object: checkpoints of a busy network's state run to tens of MB.
  if (typeof v === 'number') return Number.isFinite(v) ? v : { $num: String(v) };
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = encodeState(v[i]);
    return out;
  }
  if (v instanceof Map) {
    const out = new Array<unknown>(v.size);
    let i = 0;
    for (const [k, x] of v) out[i++] = [encodeState(k), encodeState(x)];
    return { $map: out };
  }
  if (v instanceof Set) {
    const out = new Array<unknown>(v.size);
    let i = 0;
    for (const x of v) out[i++] = encodeState(x);
    return { $set: out };
  }
  if (v instanceof Float64Array || v instanceof Float32Array) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = encodeState(v[i]);
    return v instanceof Float64Array ? { $f64: out } : { $f32: out };
  }
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k in o) {
    const x = o[k];
    if (x === undefined || typeof x === 'function') continue;
    out[k] = typeof x === 'object' || typeof x === 'number' ? encodeState(x) : x;
  }
  return out;
}

export function decodeState(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(decodeState);
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1) {
    const tag = keys[0]!;
    const x = o[tag];
    switch (tag) {
      case '$num':
        if (x === 'Infinity') return Number.POSITIVE_INFINITY;
        if (x === '-Infinity') return Number.NEGATIVE_INFINITY;
        if (x === 'NaN') return Number.NaN;
        throw badState(`unknown number ${JSON.stringify(x)}`);
      case '$map':
        return new Map(listOf(x, tag).map((e) => {
          if (!Array.isArray(e) || e.length !== 2) throw badState('a $map entry is not a [key, value] pair');
          return [decodeState(e[0]), decodeState(e[1])];
        }));
      case '$set':
        return new Set(listOf(x, tag).map(decodeState));
      case '$f64':
        return Float64Array.from(listOf(x, tag).map(numberIn));
      case '$f32':
        return Float32Array.from(listOf(x, tag).map(numberIn));
    }
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = decodeState(o[k]);
  return out;
}

function listOf(x: unknown, tag: string): unknown[] {
  if (!Array.isArray(x)) throw badState(`${tag} does not hold a list`);
  return x;
}

function numberIn(x: unknown): number {
  const n = decodeState(x);
  if (typeof n !== 'number') throw badState('a number array holds a non-number');
  return n;
}

function badState(problem: string): FlowhoundError {
  return new FlowhoundError('STATE_INVALID', `malformed detector state: ${problem}`, {});
}

export type FieldKind = 'number' | 'number?' | 'string' | 'boolean' | 'map' | 'set' | 'list' | 'object' | 'object?' | 'table';

/** Decodes a detector's snapshot and checks its top-level fields; errors name the detector. */
export function readStateObject(state: unknown, detector: string, fields: Record<string, FieldKind>): Record<string, unknown> {
  let o: unknown;
  try {
    o = decodeState(state);
  } catch (e) {
    throw new FlowhoundError('STATE_INVALID', `detector ${detector}: ${(e as Error).message}`, { detector }, { cause: e });
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new FlowhoundError('STATE_INVALID', `detector ${detector}: its state is not an object`, { detector });
  checkFields(o as Record<string, unknown>, detector, fields);
  return o as Record<string, unknown>;
}

export function checkFields(o: Record<string, unknown>, where: string, fields: Record<string, FieldKind>): void {
  for (const [name, kind] of Object.entries(fields)) {
    const v = o[name];
    if (!isKind(v, kind)) throw new FlowhoundError('STATE_INVALID', `detector state ${where}: field ${name}: expected ${kind}, got ${describe(v)}`, { detector: where, field: name });
  }
}

function isKind(v: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'number':
      return typeof v === 'number';
    case 'number?':
      return v === null || typeof v === 'number';
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'map':
      return v instanceof Map;
    case 'set':
      return v instanceof Set;
    case 'list':
      return Array.isArray(v);
    case 'object':
      return isPlainObject(v);
    case 'object?':
      return v === null || isPlainObject(v);
    case 'table':
      return isTable(v);
  }
}

function isPlainObject(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Set);
}

function isTable(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  const t = v as Record<string, unknown>;
  if (!Array.isArray(t.rows) || typeof t.nextSeq !== 'number' || typeof t.evicted !== 'number') return false;
  return t.rows.every((r) => isPlainObject(r) && typeof (r as TableRow).key === 'string' && typeof (r as TableRow).seq === 'number' && (r as TableRow).wakeTs !== undefined);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Map) return 'a map';
  if (v instanceof Set) return 'a set';
  return typeof v;
}

/** A table snapshot field checked by `readStateObject` as 'table'. */
export function tableOf<R extends TableRow>(v: unknown): TableSnapshot<R> {
  return v as TableSnapshot<R>;
}
