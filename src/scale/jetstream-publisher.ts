/**
 * Publishing record messages to the JetStream records stream with
 * `Nats-Msg-Id` (record-message.ts): acks are collected, never awaited one
 * by one; `flush` waits for them and re-publishes, with the same message
 * ids, what failed (the server restarting), every 500 ms up to `retries`
 * times, so nothing is stored twice and nothing is lost silently.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import { FlowhoundError } from '../errors.js';
import type { PublishStats, RecordPublisher } from './record-log.js';
import type { EncodedRecordMessage } from './record-message.js';
import { recordSubject } from './record-subject.js';

/** Publishes; `flush` re-publishes (same message ids) what failed, every 500 ms, up to `retries` times. */
export function createJetStreamPublisher(js: JetStreamClient, stream: string, retries = 240): RecordPublisher {
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

