/**
 * The `--state FILE` of `watch`, one checkpoint taken between two batches:
 * where each followed file's reading stands (device and inode, the offset
 * after the last processed line, the Zeek TSV header in effect there), the
 * detector driver's snapshot at that point (every detector's open windows
 * and incidents, the scorer's suppression memory; see
 * src/pipeline/detector-driver.ts) and the findings already emitted, so a
 * restart resumes where it left off, replays from there to the same
 * findings and does not report again those already out.
 *
 * On disk (version 2): `{"version":2,"sha1":"<hex>","body":{…}}` where
 * sha1 is the SHA-1 of the body's JSON text, so a damaged or hand-edited
 * file is refused with a clear error rather than half restored. Version 1
 * files (no detector state, no checksum) are still read: positions and
 * emitted findings resume, detectors start empty.
 *
 * Written atomically and durably: a temporary sibling written and fsynced,
 * renamed over the file, the folder fsynced; a crash leaves the old state
 * or the new one, never half of either.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FlowhoundError } from '../errors.js';
import type { FollowPosition } from '../io/follow-file.js';
import { type EmittedEntry, readEmittedEntry } from './emitted-findings.js';

export const WATCH_STATE_VERSION = 2;

export interface WatchState {
  version: typeof WATCH_STATE_VERSION;
  /** Followed files by absolute path. */
  files: Record<string, FollowPosition>;
  /** Recently emitted findings (id, end, count), oldest first; then any a killed run may have written (pending). */
  emitted: EmittedEntry[];
  /** The driver's snapshot at the checkpoint (DetectorDriver.snapshot()); null from a version 1 file. */
  detectors: unknown;
}

export function createEmptyWatchState(): WatchState {
  return { version: WATCH_STATE_VERSION, files: {}, emitted: [], detectors: null };
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
  let o = data as Record<string, unknown>;
  if (o.version === WATCH_STATE_VERSION) {
    const body = bodyText(text);
    if (typeof o.sha1 !== 'string' || body === null || sha1(body) !== o.sha1) throw bad('its checksum does not match its content (damaged or edited)');
    if (typeof o.body !== 'object' || o.body === null || Array.isArray(o.body)) throw bad('"body" is not an object');
    o = o.body as Record<string, unknown>;
  } else if (o.version !== 1) throw bad(`version ${JSON.stringify(o.version)}, expected ${WATCH_STATE_VERSION} (or 1)`);
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
    const entry = readEmittedEntry(e);
    if (entry === null) throw bad('an "emitted" entry is malformed');
    emitted.push(entry);
  }
  return { version: WATCH_STATE_VERSION, files, emitted, detectors: o.detectors ?? null };
}

const BODY_PREFIX = /^\{"version":2,"sha1":"[0-9a-f]{40}","body":/;

/** The body's JSON text as written (between the fixed prefix and the closing brace), or null. */
function bodyText(text: string): string | null {
  const m = BODY_PREFIX.exec(text);
  const end = text.trimEnd();
  if (m === null || !end.endsWith('}')) return null;
  return end.slice(m[0].length, end.length - 1);
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

let counter = 0;

/** Writes the state atomically and durably: a temporary sibling, fsync, rename, fsync of the folder. */
export function writeWatchState(path: string, state: WatchState): void {
  counter++;
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${counter}`);
  const body = JSON.stringify({ files: state.files, emitted: state.emitted, detectors: state.detectors });
  const text = `{"version":${WATCH_STATE_VERSION},"sha1":"${sha1(body)}","body":${body}}\n`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    syncFolder(dirname(path));
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed or never created
    }
    throw new FlowhoundError('STATE_INVALID', `${path}: cannot write the state file: ${(e as Error).message}`, { file: path }, { cause: e });
  }
}

/** fsync of a folder, so a rename in it is on disk (best effort: some file systems refuse it). */
function syncFolder(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // not supported here: the rename is still atomic
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
