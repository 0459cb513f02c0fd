/**
 * The webhook spool's in-flight mark, `SPOOL.inflight`: the (id, count) of
 * the batch being POSTed, written and fsynced before the request and
 * removed once the receiver's answer is recorded in the spool. A mark found
 * at start names a batch that a dead process had sent without recording
 * an answer (killed after the receiver's 2xx, or while waiting for it):
 * the receiver may have it, so it goes out again marked `redelivered`
 * (as JetStream and Kafka flag a redelivery).
 */
import { closeSync, fsyncSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import type { Finding } from '../types.js';

export function inflightMarkPath(spoolPath: string): string {
  return `${spoolPath}.inflight`;
}

/** `id count` per line; `count` as the spool's `accepted` memory takes it. */
export function writeInflightMark(path: string, batch: readonly Finding[]): void {
  let text = '';
  for (const f of batch) text += `${f.id} ${findingCount(f)}\n`;
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function clearInflightMark(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** The marked (id, count) keys; none when there is no mark (or it cannot be read: nothing is known to be in flight). */
export function readInflightMark(path: string): Set<string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return new Set();
  }
  return new Set(text.split('\n').filter((l) => l !== ''));
}

/** The key a mark holds for a finding. */
export function inflightKey(f: Finding): string {
  return `${f.id} ${findingCount(f)}`;
}

function findingCount(f: Finding): number {
  return typeof f.evidence.count === 'number' && Number.isFinite(f.evidence.count) ? f.evidence.count : 1;
}
