/**
 * Findings on NATS JetStream: a sink that publishes each finding to a
 * findings stream with `Nats-Msg-Id` = the finding's stable id, so a worker
 * that replays its input after a crash cannot put a finding there twice
 * (JetStream drops a message whose id it saw within the stream's
 * duplicate window), and a reader of that stream.
 *
 *   const sink = await createJetStreamFindingsSink({ servers: 'nats://127.0.0.1:4222', stream: 'FLOWHOUND_FINDINGS' });
 *   sink.write(findings); await sink.close();   // close waits for every ack
 *   sink.stats   // { published, duplicates }
 *
 * A repeat of a finding with a grown count keeps its id (the scorer's
 * repeats): its id is suffixed with the count (`f-1a2b…#c400`) so the
 * grown repeat is kept while a replayed one is dropped.
 *
 * The NATS clients are imported when a sink is created, so no other run
 * loads them. Connection failures are NATS_UNAVAILABLE FlowhoundErrors.
 */
import { FlowhoundError } from '../errors.js';
import { closeNats, connectNats } from './nats-connection.js';
import { orderFinding } from '../sink/sink.js';
import type { Finding } from '../types.js';
import { countOfFinding } from '../watch/emitted-findings.js';
import type { PipelineSink } from '../pipeline/sinks.js';

export interface JetStreamFindingsOptions {
  /** NATS server URL(s), e.g. nats://127.0.0.1:4222. */
  servers: string | string[];
  /** The findings stream; created when missing (subject `<stream>.findings`). */
  stream: string;
  /** How long JetStream remembers message ids (default 7 days: longer than any replay). */
  duplicateWindowSec?: number;
}

export interface JetStreamFindingsSink extends PipelineSink {
  readonly stats: { published: number; duplicates: number };
  /** Waits until every finding written so far is stored; throws (once) the first failure. */
  flush(): Promise<void>;
}

export const DEFAULT_DUPLICATE_WINDOW_SEC = 7 * 24 * 3600;

/** The message id of a finding: its stable id, plus its count when above 1. */
export function findingMsgId(f: Finding): string {
  const count = countOfFinding(f);
  return count > 1 ? `${f.id}#c${count}` : f.id;
}

export function findingsSubject(stream: string): string {
  return `${stream}.findings`;
}


/** Creates the findings stream (or updates its duplicate window) and returns a sink publishing to it. */
export async function createJetStreamFindingsSink(o: JetStreamFindingsOptions): Promise<JetStreamFindingsSink> {
  const { jetstream, jetstreamManager } = await import('@nats-io/jetstream');
  const { nanos } = await import('@nats-io/transport-node');
  const nc = await connectNats(o.servers);
  const subject = findingsSubject(o.stream);
  const windowNs = nanos((o.duplicateWindowSec ?? DEFAULT_DUPLICATE_WINDOW_SEC) * 1000);
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(o.stream);
    await jsm.streams.update(o.stream, { duplicate_window: windowNs });
  } catch {
    await jsm.streams.add({ name: o.stream, subjects: [subject], duplicate_window: windowNs });
  }
  const js = jetstream(nc);
  const stats = { published: 0, duplicates: 0 };
  let pending: Promise<void>[] = [];
  let failure: unknown = null;
  const enc = new TextEncoder();
  const takeFailure = (): void => {
    if (failure === null) return;
    const e = failure;
    failure = null;
    throw new FlowhoundError('NATS_UNAVAILABLE', `findings stream ${o.stream}: publish failed: ${(e as Error).message}`, { stream: o.stream }, { cause: e });
  };
  return {
    stats,
    async flush() {
      const wait = pending;
      pending = [];
      await Promise.all(wait);
      takeFailure();
    },
    write(findings) {
      for (const f of findings) {
        pending.push(
          js.publish(subject, enc.encode(JSON.stringify(orderFinding(f))), { msgID: findingMsgId(f) }).then(
            (ack) => {
              if (ack.duplicate) stats.duplicates++;
              else stats.published++;
            },
            (e: unknown) => {
              failure ??= e;
            },
          ),
        );
      }
    },
    async close() {
      await Promise.all(pending);
      await closeNats(nc);
      takeFailure();
    },
  };
}

/** Reads every finding in the findings stream (from its start to its current end). */
export async function readJetStreamFindings(o: { servers: string | string[]; stream: string }): Promise<Finding[]> {
  const out: Finding[] = [];
  for await (const batch of streamJetStreamFindings({ ...o, follow: false })) out.push(...batch);
  return out;
}

/**
 * The findings stream from its start, in batches (what one read returned):
 * up to its current end, or, with `follow`, on as findings arrive until
 * `signal` aborts. A message that is not a finding's JSON is skipped and
 * reported through `onBad`.
 */
export async function* streamJetStreamFindings(o: {
  servers: string | string[];
  stream: string;
  follow: boolean;
  signal?: AbortSignal;
  onBad?: (seq: number, problem: string) => void;
}): AsyncGenerator<Finding[]> {
  const { jetstream } = await import('@nats-io/jetstream');
  const nc = await connectNats(o.servers);
  try {
    const js = jetstream(nc);
    let consumer: Awaited<ReturnType<typeof js.consumers.get>>;
    try {
      consumer = await js.consumers.get(o.stream);
    } catch (e) {
      throw new FlowhoundError('NATS_UNAVAILABLE', `findings stream ${o.stream}: ${(e as Error).message}`, { stream: o.stream }, { cause: e });
    }
    let caughtUp = (await consumer.info()).num_pending === 0;
    if (caughtUp && !o.follow) return;
    while (!o.signal?.aborted) {
      const batch: Finding[] = [];
      const messages = await consumer.fetch({ max_messages: 1000, expires: 1000 });
      for await (const m of messages) {
        try {
          const f = m.json<Finding>();
          if (typeof f?.id !== 'string' || typeof f.kind !== 'string') throw new Error('not a finding');
          batch.push(f);
        } catch (e) {
          o.onBad?.(m.seq, (e as Error).message);
        }
        caughtUp = m.info.pending === 0;
      }
      if (batch.length) yield batch;
      if (caughtUp && !o.follow) return;
    }
  } finally {
    await nc.close();
  }
}
