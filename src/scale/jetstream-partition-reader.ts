/**
 * Reading one (family, partition) of the records stream in order, through
 * a durable pull consumer `<stream>_<family>_<p>` with ack policy "all",
 * pulled continuously (messages are handed over as they arrive).
 * Opening deletes and re-creates the consumer at the wanted sequence, so a
 * worker on any machine reads exactly from there; each read checks that
 * delivery sequences follow one another and that nothing is a redelivery,
 * and throws otherwise (the caller decides where to read again from).
 * `ack(seq)` acks the last message read at or below `seq`.
 */
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { FlowhoundError } from '../errors.js';
import type { PartitionRead, PartitionReader } from './record-log.js';
import { recordSubject } from './record-subject.js';
import type { PartitionFamily } from './route-records.js';

const DEFAULT_BUFFER_BYTES = 4 << 20;

export interface PartitionReaderOptions {
  stream: string;
  /** Messages per read at most (default 8: up to 8,000 records, a push short enough to let the other lanes read). */
  readBatch?: number;
  /** How long a read waits for a first message, ms (default 5000); then it takes only what has arrived. */
  readWaitMs?: number;
  /** Bytes the client pulls ahead of the reader per partition (default 4 MiB). */
  bufferBytes?: number;
  /** Ack wait of the consumers in s (default 300): longer than a checkpoint interval. */
  ackWaitSec?: number;
}

export async function openJetStreamPartitionReader(
  nc: NatsConnection,
  jsm: JetStreamManager,
  js: JetStreamClient,
  o: PartitionReaderOptions,
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
  // A continuous pull: messages come as they are published (no waiting for a full batch), at most
  // `bufferBytes` ahead of the reader; missed heartbeats make the client pull again, not fail.
  const stream: ConsumerMessages = await consumer.consume({ max_bytes: o.bufferBytes ?? DEFAULT_BUFFER_BYTES });
  const it = stream[Symbol.asyncIterator]();
  /** A `next()` a read stopped waiting for: the following read takes it first. */
  let waiting: Promise<IteratorResult<JsMsg>> | null = null;
  let lastDelivery = 0;
  /** The last message of each read since the last ack, for an ack-all up to a sequence. */
  let unacked: JsMsg[] = [];
  const TIMEOUT = Symbol('timeout');
  return {
    async read(): Promise<PartitionRead> {
      if (nc.isClosed()) throw new FlowhoundError('NATS_UNAVAILABLE', 'NATS connection closed', {});
      const messages = [];
      let last: JsMsg | null = null;
      while (messages.length < batch) {
        const next = waiting ?? it.next();
        // The first message may take up to `waitMs`; after it, only what has already arrived.
        let timer: ReturnType<typeof setTimeout> | undefined;
        const limit = new Promise<typeof TIMEOUT>((resolve) => {
          timer = setTimeout(() => resolve(TIMEOUT), messages.length === 0 ? waitMs : 0);
        });
        const r = await Promise.race([next, limit]);
        clearTimeout(timer);
        if (r === TIMEOUT) {
          waiting = next;
          break;
        }
        waiting = null;
        if (r.done) throw new FlowhoundError('NATS_UNAVAILABLE', `${name}: the consumer stopped`, { consumer: name });
        const m = r.value;
        const info = m.info;
        if (info.redelivered || info.deliverySequence !== lastDelivery + 1) {
          throw new FlowhoundError('NATS_UNAVAILABLE', `${name}: delivery ${info.deliverySequence} after ${lastDelivery}${info.redelivered ? ' (a redelivery)' : ''}: order lost`, { consumer: name });
        }
        lastDelivery = info.deliverySequence;
        messages.push({ seq: info.streamSequence, data: m.data });
        last = m;
      }
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
      waiting = null;
      unacked = [];
      // stop(), not close(): close waits for the server, which may be away.
      stream.stop();
    },
  };
}
