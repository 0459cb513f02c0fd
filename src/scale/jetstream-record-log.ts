/**
 * The records stream on NATS JetStream (record-log.ts's interfaces).
 *
 * - Stream `NAME`, subjects `NAME.src.<p>`, `NAME.dst.<p>`, `NAME.host.<p>`;
 *   its description records the partition count (`flowhound records;
 *   partitions=8`), so workers read it from the stream and a shipper with
 *   another count is refused. Duplicate window: `duplicateWindowSec`
 *   (default 1 h, longer than a shipper's restart).
 * - Publisher (jetstream-publisher.ts): `js.publish` with `Nats-Msg-Id`,
 *   acks collected, failures re-published.
 * - Reader (jetstream-partition-reader.ts): one durable pull consumer per
 *   (family, partition), `NAME_<family>_<p>`, re-created at the wanted
 *   sequence, reads checked for order.
 * - Checkpoints (jetstream-checkpoints.ts): KV bucket `NAME_CHECKPOINTS`,
 *   in parts with a manifest written last.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import { FlowhoundError } from '../errors.js';
import { createKvCheckpoints } from './jetstream-checkpoints.js';
import { openJetStreamPartitionReader, type PartitionReaderOptions } from './jetstream-partition-reader.js';
import { createJetStreamPublisher } from './jetstream-publisher.js';
import { closeNats, connectNats } from './nats-connection.js';
import type { RecordLog } from './record-log.js';

export { recordSubject } from './record-subject.js';

export interface JetStreamRecordLogOptions extends PartitionReaderOptions {
  servers: string | string[];
  stream: string;
  /** Create the stream with this many partitions when missing (ship); null: the stream must exist (workers). */
  createPartitions: number | null;
  duplicateWindowSec?: number;
}

export const DEFAULT_RECORDS_STREAM = 'FLOWHOUND_RECORDS';
export const DEFAULT_RECORDS_DUPLICATE_WINDOW_SEC = 3600;


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
      publisher: createJetStreamPublisher(js, o.stream),
      openPartition: (family, partition, afterSeq) => openJetStreamPartitionReader(nc, jsm, js, o, family, partition, afterSeq),
      checkpoints: createKvCheckpoints(kv),
      async close() {
        await closeNats(nc);
      },
    };
  } catch (e) {
    await nc.close();
    throw e;
  }
}
