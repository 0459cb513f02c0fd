/**
 * The `--state FILE` of `flowhound ship`: per followed file, the position
 * after the last batch whose messages the stream confirmed, the file's
 * message identity (name, device:inode, epoch: bumped on each rotation or
 * truncation) and the ordinal of the next record of each type. A restart
 * resumes there and numbers records on, so a worker recognises records a
 * crashed shipper had published already. Written atomically (temporary
 * sibling, then rename).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FlowhoundError } from '../errors.js';
import type { FollowPosition } from '../io/follow-file.js';
import { RECORD_TYPES, type RecordType } from './route-records.js';

export const SHIP_STATE_VERSION = 1;

export interface ShippedFile {
  position: FollowPosition;
  /** `device:inode` of the file the position is in. */
  identityKey: string;
  epoch: number;
  ordinals: Record<RecordType, number>;
}

export interface ShipState {
  version: typeof SHIP_STATE_VERSION;
  kind: 'ship';
  files: Record<string, ShippedFile>;
}

export function readShipState(path: string): ShipState | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new FlowhoundError('STATE_INVALID', `${path}: cannot read the state file: ${(e as Error).message}`, { file: path }, { cause: e });
  }
  const bad = (what: string): FlowhoundError => new FlowhoundError('STATE_INVALID', `${path}: not a flowhound ship state file: ${what}; delete it to ship from the beginning`, { file: path });
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw bad(`bad JSON: ${(e as Error).message}`);
  }
  if (typeof o !== 'object' || o === null || o.kind !== 'ship' || o.version !== SHIP_STATE_VERSION) throw bad(`expected {"kind":"ship","version":${SHIP_STATE_VERSION}}`);
  if (typeof o.files !== 'object' || o.files === null) throw bad('"files" is not an object');
  const files: Record<string, ShippedFile> = {};
  for (const [p, v] of Object.entries(o.files as Record<string, unknown>)) {
    const f = v as Partial<ShippedFile> | null;
    const pos = f?.position;
    const ords = f?.ordinals as Record<string, unknown> | undefined;
    if (!f || !pos || !Number.isSafeInteger(pos.offset) || typeof f.identityKey !== 'string' || !Number.isSafeInteger(f.epoch) || !ords || !RECORD_TYPES.every((t) => Number.isSafeInteger(ords[t]))) {
      throw bad(`the entry of ${p} is malformed`);
    }
    files[p] = f as ShippedFile;
  }
  return { version: SHIP_STATE_VERSION, kind: 'ship', files };
}

let counter = 0;

export function writeShipState(path: string, state: ShipState): void {
  counter++;
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${counter}`);
  try {
    writeFileSync(tmp, `${JSON.stringify(state)}\n`);
    renameSync(tmp, path);
  } catch (e) {
    throw new FlowhoundError('STATE_INVALID', `${path}: cannot write the state file: ${(e as Error).message}`, { file: path }, { cause: e });
  }
}
