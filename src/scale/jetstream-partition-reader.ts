/**
 * Reading one (family, partition) of the records stream in order, through
 * a durable pull consumer `<stream>_<family>_<p>` with ack policy "all".
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

export interface PartitionReaderOptions {
  stream: string;
  /** Messages per read at most (default 8: up to 8,000 records, a push short enough to keep every lane's reads alive). */
  readBatch?: number;
  /** How long a read waits for messages, ms (default 5000; JetStream's minimum is 1000). Heartbeats come every half of it; a read fails when two are missed (an event loop blocked that long). */
  readWaitMs?: number;
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

