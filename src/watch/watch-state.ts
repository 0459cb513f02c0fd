/**
 * The `--state FILE` of `watch`: where each followed file's reading stands
 * (device and inode, the offset after the last processed line, the Zeek TSV
 * header in effect there) and the findings already emitted, so a restart
 * resumes where it left off without re-reporting. Written atomically (a
 * temporary sibling, then rename), so a crash leaves the old state or the
 * new one, never half of either.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FlowhoundError } from '../errors.js';
import type { FollowPosition } from '../io/follow-file.js';
import type { EmittedEntry } from './emitted-findings.js';

export const WATCH_STATE_VERSION = 1;

export interface WatchState {
  version: typeof WATCH_STATE_VERSION;
  /** Followed files by absolute path. */
  files: Record<string, FollowPosition>;
  /** Recently emitted findings (id, end, count), oldest first. */
  emitted: EmittedEntry[];
}

export function createEmptyWatchState(): WatchState {
  return { version: WATCH_STATE_VERSION, files: {}, emitted: [] };
}

/** Reads a state file; null when it does not exist. Bad content is STATE_INVALID naming the file. */
export function readWatchState(path: string): WatchState | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new FlowhoundError('STATE_INVALID', `${path}: cannot read the state file: ${(e as Error).message}`, { file: path }, { cause: e });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new FlowhoundError('STATE_INVALID', `${path}: not a flowhound watch state file (bad JSON: ${(e as Error).message}); delete it to start from the beginning`, { file: path }, { cause: e });
  }
  const bad = (what: string): FlowhoundError =>
    new FlowhoundError('STATE_INVALID', `${path}: not a flowhound watch state file: ${what}; delete it to start from the beginning`, { file: path });
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw bad('expected a JSON object');
  const o = data as Record<string, unknown>;
  if (o.version !== WATCH_STATE_VERSION) throw bad(`version ${JSON.stringify(o.version)}, expected ${WATCH_STATE_VERSION}`);
  const files: Record<string, FollowPosition> = {};
  if (typeof o.files !== 'object' || o.files === null || Array.isArray(o.files)) throw bad('"files" is not an object');
  for (const [p, v] of Object.entries(o.files as Record<string, unknown>)) {
    const pos = v as Record<string, unknown> | null;
    const id = pos?.identity as Record<string, unknown> | null | undefined;
    const okId = id === null || (typeof id === 'object' && id !== undefined && Number.isSafeInteger(id.dev) && Number.isSafeInteger(id.ino));
    const fp = pos?.fingerprint ?? null;
    if (pos === null || typeof pos !== 'object' || !okId || !Number.isSafeInteger(pos.offset) || (pos.offset as number) < 0 || !(pos.header === null || typeof pos.header === 'string') || !(fp === null || typeof fp === 'string')) {
      throw bad(`position of ${p} is malformed`);
    }
    files[p] = { identity: id === null ? null : { dev: id?.dev as number, ino: id?.ino as number }, offset: pos.offset as number, header: pos.header as string | null, fingerprint: fp as string | null };
  }
  const emitted: EmittedEntry[] = [];
  if (!Array.isArray(o.emitted)) throw bad('"emitted" is not a list');
  for (const e of o.emitted as unknown[]) {
    const r = e as Record<string, unknown> | null;
    if (r === null || typeof r !== 'object' || typeof r.id !== 'string' || typeof r.end !== 'number' || typeof r.count !== 'number') throw bad('an "emitted" entry is malformed');
    emitted.push({ id: r.id, end: r.end, count: r.count });
  }
  return { version: WATCH_STATE_VERSION, files, emitted };
}

let counter = 0;

/** Writes the state atomically: a temporary sibling file, then rename. */
export function writeWatchState(path: string, state: WatchState): void {
  counter++;
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${counter}`);
  try {
    writeFileSync(tmp, `${JSON.stringify(state)}\n`);
    renameSync(tmp, path);
  } catch (e) {
    throw new FlowhoundError('STATE_INVALID', `${path}: cannot write the state file: ${(e as Error).message}`, { file: path }, { cause: e });
  }
}
