/**
 * The engine the scale-out runs on, seen through three small interfaces, so
 * that `ship`, the workers and the detectors never touch an engine's API.
 * JetStream implements them (jetstream-record-log.ts); a Kafka adapter
 * would map a family to a topic and a partition to a Kafka partition, the
 * stream sequence to the offset, and keep checkpoints in a compacted topic.
 *
 * - RecordPublisher: queues messages (no await per message), `flush()`
 *   resolves once every queued message is stored.
 * - PartitionReader: the messages of one (family, partition) in order,
 *   from a sequence on; `ack(seq)` tells the engine that a checkpoint
 *   covers everything up to seq.
 * - CheckpointStore: bytes by key, written whole or not at all.
 */
import type { EncodedRecordMessage } from './record-message.js';
import type { PartitionFamily } from './route-records.js';

export interface PublishStats {
  /** Messages the engine stored. */
  published: number;
  /** Messages it dropped as already stored (same message id). */
  duplicates: number;
}

export interface RecordPublisher {
  publish(messages: readonly EncodedRecordMessage[]): void;
  /** Messages queued and not yet confirmed. */
  readonly pending: number;
  /** Waits for every queued message; throws the first failure. */
  flush(): Promise<void>;
  readonly stats: PublishStats;
}

export interface PartitionMessage {
  /** The engine's position of the message (JetStream: stream sequence); increasing. */
  seq: number;
  data: Uint8Array;
}

export interface PartitionRead {
  messages: PartitionMessage[];
  /** Nothing more was waiting when these were read. */
  caughtUp: boolean;
}

export interface PartitionReader {
  /** The next messages in order (empty when none came within the poll); throws when order cannot be guaranteed (a gap, a lost connection). */
  read(): Promise<PartitionRead>;
  /** A checkpoint covers every message up to `seq`. */
  ack(seq: number): void;
  close(): Promise<void>;
}

export interface CheckpointStore {
  load(key: string): Promise<Uint8Array | null>;
  save(key: string, value: Uint8Array): Promise<void>;
}

export interface RecordLog {
  /** Partitions per family (fixed when the stream is made). */
  readonly partitions: number;
  readonly publisher: RecordPublisher;
  /** Reads one partition from the message after `afterSeq` (0: from the start). */
  openPartition(family: PartitionFamily, partition: number, afterSeq: number): Promise<PartitionReader>;
  readonly checkpoints: CheckpointStore;
  close(): Promise<void>;
}
