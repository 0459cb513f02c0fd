/**
 * `flowhound ship`: follows a log (the same follower and readers as
 * `watch`: rotation, truncation, partial lines) or reads a capture, routes
 * each batch's records to their partitions (route-records.ts) and publishes
 * them through a RecordPublisher.
 *
 *   const result = await runShip({ target: 'zeek/current', read, log, statePath: 'ship.state', signal });
 *
 * 1. Each followed file gets a message identity `name:dev:ino:epoch` (the
 *    epoch grows on rotation and truncation) and per-type record ordinals;
 *    with `statePath` both resume from the state file. Standard input gets
 *    an identity of its own per run (nothing to resume). Each subject's
 *    messages cover the ordinals from where this run began without gaps
 *    (record-message.ts), so workers drop what a crashed run had sent.
 * 2. A batch is routed and its messages queued (no await per record or
 *    message). Every `stateIntervalSec`, when `maxPending` messages are
 *    unconfirmed, and at the end, the publisher is flushed and then the
 *    positions of the batches queued before the flush are saved: the state
 *    never covers a record the stream has not stored.
 * 3. A failed flush (the server away longer than the publisher retries)
 *    ends the run with `failure`; the state still holds the last confirmed
 *    positions, and a re-ship from there is de-duplicated downstream.
 */
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import type { ReadOptions } from '../ingest/read-input.js';
import { openWatchInput } from '../watch/watch-input.js';
import type { RecordLog } from './record-log.js';
import { type EncodedRecordMessage, encodeRecordMessages } from './record-message.js';
import { countByType, RECORD_TYPES, type RecordType, routeBatch } from './route-records.js';
import { readShipState, SHIP_STATE_VERSION, type ShippedFile, writeShipState } from './ship-state.js';

export interface ShipRunOptions {
  target: string;
  stdin?: AsyncIterable<Uint8Array>;
  read: ReadOptions;
  log: Pick<RecordLog, 'partitions' | 'publisher'>;
  statePath: string | null;
  stateIntervalSec: number;
  pollMs: number;
  exitIdleSec: number | null;
  startAtEnd?: boolean;
  /** Unconfirmed messages at most before the shipper waits (default 512). */
  maxPending?: number;
  signal: AbortSignal;
  onReopen?: (e: { kind: 'rotation' | 'truncation'; path: string }) => void;
}

export interface ShipRunResult {
  records: Record<RecordType, number>;
  messages: number;
  files: number;
  failure: unknown;
}

function zeroOrdinals(): Record<RecordType, number> {
  return { flows: 0, dns: 0, ticks: 0, echoes: 0, arps: 0 };
}

export async function runShip(o: ShipRunOptions): Promise<ShipRunResult> {
  const prior = o.statePath ? readShipState(o.statePath) : null;
  const files = new Map<string, ShippedFile>(Object.entries(prior?.files ?? {}));
  const reopened = new Set<string>();
  const following = new AbortController();
  const stop = (): void => following.abort();
  o.signal.addEventListener('abort', stop, { once: true });
  if (o.signal.aborted) following.abort();
  const positions = Object.fromEntries([...files].map(([p, f]) => [p, f.position]));
  const input = openWatchInput(o.target, {
    pollMs: o.pollMs,
    signal: following.signal,
    ...(o.exitIdleSec !== null ? { idleEndMs: o.exitIdleSec * 1000 } : {}),
    positions,
    ...(o.startAtEnd ? { startAtEnd: true } : {}),
    ...(o.stdin ? { stdin: o.stdin } : {}),
    read: o.read,
    onReopen: (e) => {
      reopened.add(e.path);
      o.onReopen?.(e);
    },
  });
  const stdinId = `stdin:${randomUUID()}`;
  /** Per file (and stdin): where this run began numbering, and each subject's last covered ordinal (record-message.ts). */
  const covers = new Map<string, { start: Record<RecordType, number>; last: Map<string, number> }>();
  const records = zeroOrdinals();
  let messages = 0;
  const maxPending = o.maxPending ?? 512;
  const publisher = o.log.publisher;

  /** Confirms what is queued, then saves the positions of the batches queued before. */
  const persist = async (): Promise<void> => {
    const snapshot = Object.fromEntries([...files].map(([p, f]) => [p, { ...f, ordinals: { ...f.ordinals } }]));
    await publisher.flush();
    if (o.statePath) writeShipState(o.statePath, { version: SHIP_STATE_VERSION, kind: 'ship', files: snapshot });
  };
  let saveDue = false;
  const timer = setInterval(() => {
    saveDue = true;
  }, o.stateIntervalSec * 1000);

  let failure: unknown = null;
  try {
    for await (const t of input.batches) {
      let fileId = stdinId;
      let ordinals = zeroOrdinals();
      let entry: ShippedFile | null = null;
      if (t.file !== null && t.position !== null) {
        const id = t.position.identity;
        const identityKey = id ? `${id.dev}:${id.ino}` : '-';
        entry = files.get(t.file) ?? null;
        if (entry === null) entry = { position: t.position, identityKey, epoch: 0, ordinals: zeroOrdinals() };
        else if (entry.identityKey !== identityKey || reopened.has(t.file)) {
          // A new file at the path (rotation, truncation): the old one's coverage is done with.
          covers.delete(`${basename(t.file)}:${entry.identityKey}:${entry.epoch}`);
          entry = { position: t.position, identityKey, epoch: entry.epoch + 1, ordinals: zeroOrdinals() };
        }
        reopened.delete(t.file);
        fileId = `${basename(t.file)}:${identityKey}:${entry.epoch}`;
        ordinals = entry.ordinals;
      }
      let cover = covers.get(fileId);
      if (cover === undefined) {
        cover = { start: { ...ordinals }, last: new Map() };
        covers.set(fileId, cover);
      }
      const counts = countByType(t.batch);
      const out: EncodedRecordMessage[] = [];
      for (const r of routeBatch(t.batch, ordinals, o.log.partitions)) {
        const k = `${r.family}.${r.partition}.${r.type}`;
        cover.last.set(k, encodeRecordMessages(fileId, r, cover.last.get(k) ?? cover.start[r.type] - 1, out));
      }
      publisher.publish(out);
      messages += out.length;
      for (const k of RECORD_TYPES) {
        ordinals[k] += counts[k];
        records[k] += counts[k];
      }
      if (entry !== null && t.file !== null && t.position !== null) {
        entry.position = t.position;
        files.set(t.file, entry);
      }
      if (saveDue || publisher.pending >= maxPending) {
        saveDue = false;
        await persist();
      }
    }
    await persist();
  } catch (e) {
    failure = e;
  } finally {
    clearInterval(timer);
    following.abort();
    o.signal.removeEventListener('abort', stop);
  }
  return { records, messages, files: files.size, failure };
}
