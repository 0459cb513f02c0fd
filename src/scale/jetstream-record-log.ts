/**
 * The records stream on NATS JetStream (record-log.ts's interfaces).
 *
 * - Stream `NAME`, subjects `NAME.src.<p>`, `NAME.dst.<p>`, `NAME.host.<p>`;
 *   its description records the partition count (`flowhound records;
 *   partitions=8`), so workers read it from the stream and a shipper with
 *   another count is refused. Duplicate window: `duplicateWindowSec`
 *   (default 1 h, longer than a shipper's restart).
 * - Publisher: `js.publish` with `Nats-Msg-Id`; acks are collected, never
 *   awaited one by one.
 * - Reader: one durable pull consumer per (family, partition), named
 *   `NAME_<family>_<p>`, ack policy "all". Opening it deletes and re-creates
 *   it at the wanted sequence (the checkpoint's), so a restarted worker, on
 *   any machine, reads exactly from there; reads check that delivery
 *   sequences follow one another and that nothing is a redelivery, and
 *   throw otherwise (the caller rolls back to its checkpoint).
 * - Checkpoints: KV bucket `NAME_CHECKPOINTS`; a value larger than one
 *   message is written in parts, then a small manifest naming them (the
 *   manifest is the commit).
 */
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { FlowhoundError } from '../errors.js';
import { connectNats } from './nats-connection.js';
import type { CheckpointStore, PartitionRead, PartitionReader, PublishStats, RecordLog, RecordPublisher } from './record-log.js';
import type { EncodedRecordMessage } from './record-message.js';
import type { PartitionFamily } from './route-records.js';

export interface JetStreamRecordLogOptions {
  servers: string | string[];
  stream: string;
  /** Create the stream with this many partitions when missing (ship); null: the stream must exist (workers). */
  createPartitions: number | null;
  duplicateWindowSec?: number;
  /** Messages per read at most (default 8: up to 8,000 records, a push short enough to keep every lane's reads alive). */
  readBatch?: number;
  /** How long a read waits for messages, ms (default 5000; JetStream's minimum is 1000). Heartbeats come every half of it; a read fails when two are missed (an event loop blocked that long). */
  readWaitMs?: number;
  /** Ack wait of the consumers in s (default 300): longer than a checkpoint interval. */
  ackWaitSec?: number;
}

export const DEFAULT_RECORDS_STREAM = 'FLOWHOUND_RECORDS';
export const DEFAULT_RECORDS_DUPLICATE_WINDOW_SEC = 3600;
/** A checkpoint part at most (below NATS' default 1 MiB payload). */
const CHECKPOINT_PART_BYTES = 512 * 1024;

export function recordSubject(stream: string, family: PartitionFamily, partition: number): string {
  return `${stream}.${family}.${partition}`;
}

function describePartitions(partitions: number): string {
  return `flowhound records; partitions=${partitions}`;
}

function partitionsOfDescription(stream: string, d: string | undefined): number {
  const m = /partitions=(\d+)/.exec(d ?? '');
  if (!m) throw new FlowhoundError('NATS_UNAVAILABLE', `stream ${stream}: not a flowhound records stream (its description does not give partitions=N)`, { stream });
  return Number(m[1]);
}

async function ensureRecordStream(jsm: JetStreamManager, o: JetStreamRecordLogOptions): Promise<number> {
  const { nanos } = await import('@nats-io/transport-node');
  let existing: number | null = null;
  try {
    const info = await jsm.streams.info(o.stream);
    existing = partitionsOfDescription(o.stream, info.config.description);
  } catch (e) {
    if (e instanceof FlowhoundError) throw e;
    if (o.createPartitions === null) throw new FlowhoundError('NATS_UNAVAILABLE', `stream ${o.stream}: not found (start flowhound ship first): ${(e as Error).message}`, { stream: o.stream }, { cause: e });
  }
  if (existing !== null) {
    if (o.createPartitions !== null && o.createPartitions !== existing) {
      throw new FlowhoundError('INVALID_ARGUMENT', `stream ${o.stream} has ${existing} partitions, not ${o.createPartitions}: repartitioning needs a new stream`, { stream: o.stream });
    }
    return existing;
  }
  const partitions = o.createPartitions as number;
  await jsm.streams.add({
    name: o.stream,
    description: describePartitions(partitions),
    subjects: [`${o.stream}.src.*`, `${o.stream}.dst.*`, `${o.stream}.host.*`],
    duplicate_window: nanos((o.duplicateWindowSec ?? DEFAULT_RECORDS_DUPLICATE_WINDOW_SEC) * 1000),
  });
  return partitions;
}

export async function openJetStreamRecordLog(o: JetStreamRecordLogOptions): Promise<RecordLog> {
  const { jetstream, jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connectNats(o.servers);
  try {
    const jsm = await jetstreamManager(nc);
    const partitions = await ensureRecordStream(jsm, o);
    const js = jetstream(nc);
    const { Kvm } = await import('@nats-io/kv');
    const kv = await new Kvm(js).create(`${o.stream}_CHECKPOINTS`, { history: 1 });
    return {
      partitions,
      publisher: createPublisher(js, o.stream),
      openPartition: (family, partition, afterSeq) => openReader(nc, jsm, js, o, family, partition, afterSeq),
      checkpoints: createKvCheckpoints(kv),
      async close() {
        await nc.drain().catch(() => nc.close());
      },
    };
  } catch (e) {
    await nc.close();
    throw e;
  }
}

/** Publishes; `flush` re-publishes (same message ids) what failed, every 500 ms, up to `retries` times. */
function createPublisher(js: JetStreamClient, stream: string, retries = 240): RecordPublisher {
  const stats: PublishStats = { published: 0, duplicates: 0 };
  let pending: { m: EncodedRecordMessage; done: Promise<unknown> }[] = [];
  const send = (m: EncodedRecordMessage): Promise<unknown> =>
    js.publish(recordSubject(stream, m.family, m.partition), m.data, { msgID: m.msgId }).then(
      (ack) => {
        if (ack.duplicate) stats.duplicates++;
        else stats.published++;
        return null;
      },
      (e: unknown) => e ?? new Error('publish failed'),
    );
  return {
    stats,
    get pending() {
      return pending.length;
    },
    publish(messages: readonly EncodedRecordMessage[]) {
      for (const m of messages) pending.push({ m, done: send(m) });
    },
    async flush() {
      let wait = pending;
      pending = [];
      for (let attempt = 0; ; attempt++) {
        const results = await Promise.all(wait.map((w) => w.done));
        const failed = wait.filter((_, i) => results[i] !== null);
        if (failed.length === 0) return;
        if (attempt >= retries) {
          const e = results.find((r) => r !== null) as Error;
          throw new FlowhoundError('NATS_UNAVAILABLE', `stream ${stream}: publish failed after ${retries} retries: ${e.message}`, { stream }, { cause: e });
        }
        await new Promise((r) => setTimeout(r, 500));
        wait = failed.map((w) => ({ m: w.m, done: send(w.m) }));
      }
    },
  };
}

async function openReader(
  nc: NatsConnection,
  jsm: JetStreamManager,
  js: JetStreamClient,
  o: JetStreamRecordLogOptions,
  family: PartitionFamily,
  partition: number,
  afterSeq: number,
): Promise<PartitionReader> {
  const { nanos } = await import('@nats-io/transport-node');
  const name = `${o.stream}_${family}_${partition}`;
  try {
    await jsm.consumers.delete(o.stream, name);
  } catch (e) {
    // Not there yet is fine; anything else (a timeout) is a failure: the old consumer may still stand.
    if (!/not found/i.test((e as Error).message)) throw e;
  }
  const created = await jsm.consumers.add(o.stream, {
    durable_name: name,
    filter_subject: recordSubject(o.stream, family, partition),
    ack_policy: 'all',
    ack_wait: nanos((o.ackWaitSec ?? 300) * 1000),
    max_ack_pending: -1,
    ...(afterSeq > 0 ? { deliver_policy: 'by_start_sequence', opt_start_seq: afterSeq + 1 } : { deliver_policy: 'all' }),
  });
  if (created.delivered.consumer_seq !== 0) throw new FlowhoundError('NATS_UNAVAILABLE', `${name}: the consumer was not re-created (it has delivered ${created.delivered.consumer_seq} messages)`, { consumer: name });
  const consumer = await js.consumers.get(o.stream, name);
  const batch = o.readBatch ?? 8;
  const waitMs = Math.max(1000, o.readWaitMs ?? 5000);
  let lastDelivery = 0;
  /** The last message of each read since the last ack, for an ack-all up to a sequence. */
  let unacked: JsMsg[] = [];
  let open: ConsumerMessages | null = null;
  return {
    async read(): Promise<PartitionRead> {
      if (nc.isClosed()) throw new FlowhoundError('NATS_UNAVAILABLE', 'NATS connection closed', {});
      open = await consumer.fetch({ max_messages: batch, expires: waitMs });
      const messages = [];
      let last: JsMsg | null = null;
      for await (const m of open) {
        const info = m.info;
        if (info.redelivered || info.deliverySequence !== lastDelivery + 1) {
          open.stop();
          throw new FlowhoundError('NATS_UNAVAILABLE', `${name}: delivery ${info.deliverySequence} after ${lastDelivery}${info.redelivered ? ' (a redelivery)' : ''}: order lost, reading again from the checkpoint`, { consumer: name });
        }
        lastDelivery = info.deliverySequence;
        messages.push({ seq: info.streamSequence, data: m.data });
        last = m;
      }
      open = null;
      if (last !== null) unacked.push(last);
      return { messages, caughtUp: last === null || last.info.pending === 0 };
    },
    ack(seq: number) {
      let best: JsMsg | null = null;
      const keep: JsMsg[] = [];
      for (const m of unacked) {
        if (m.info.streamSequence <= seq) best = m;
        else keep.push(m);
      }
      unacked = keep;
      best?.ack();
    },
    async close() {
      open?.stop();
      unacked = [];
    },
  };
}

function createKvCheckpoints(kv: KV): CheckpointStore {
  const dec = new TextDecoder();
  const manifestOf = async (key: string): Promise<{ parts: string[] } | null> => {
    const e = await kv.get(key);
    if (e === null || e.operation !== 'PUT' || e.value.length === 0) return null;
    return JSON.parse(dec.decode(e.value)) as { parts: string[] };
  };
  return {
    async load(key) {
      const manifest = await manifestOf(key);
      if (manifest === null) return null;
      const parts: Uint8Array[] = [];
      for (const k of manifest.parts) {
        const p = await kv.get(k);
        if (p === null || p.operation !== 'PUT') throw new FlowhoundError('STATE_INVALID', `checkpoint ${key}: part ${k} is missing`, { key });
        parts.push(p.value);
      }
      return Buffer.concat(parts);
    },
    async save(key, value) {
      const previous = await manifestOf(key);
      // New parts under a new generation, then the manifest (the commit), then the old parts go.
      const gen = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
      const parts: string[] = [];
      for (let i = 0, n = 0; i < value.length || n === 0; i += CHECKPOINT_PART_BYTES, n++) {
        const k = `${key}.${gen}.${n}`;
        parts.push(k);
        await kv.put(k, value.subarray(i, i + CHECKPOINT_PART_BYTES));
      }
      await kv.put(key, new TextEncoder().encode(JSON.stringify({ parts })));
      for (const k of previous?.parts ?? []) await kv.purge(k).catch(() => undefined);
    },
  };
}
