/** The flags `ship`, `watch --nats` and `findings --nats` share: the NATS server and the stream names. */
import { DEFAULT_RECORDS_STREAM } from '../scale/jetstream-record-log.js';
import { UsageError } from './usage-error.js';

export const DEFAULT_FINDINGS_STREAM = 'FLOWHOUND_FINDINGS';
export const DEFAULT_PARTITIONS = 8;

export const NATS_OPTION = { type: 'string', describe: 'NATS server URL(s), comma-separated, e.g. nats://nats:4222 (JetStream enabled)' } as const;
export const STREAM_OPTION = { type: 'string', default: DEFAULT_RECORDS_STREAM, describe: 'the JetStream records stream' } as const;
export const FINDINGS_STREAM_OPTION = { type: 'string', default: DEFAULT_FINDINGS_STREAM, describe: 'the JetStream findings stream' } as const;

/** `--nats`: one or more nats:// (or tls://) URLs. */
export function parseNatsServers(raw: unknown): string[] {
  if (typeof raw !== 'string' || raw.trim() === '') throw new UsageError('--nats: give the NATS server URL, e.g. nats://127.0.0.1:4222');
  const servers = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const s of servers) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new UsageError(`--nats: not a URL: ${s}`);
    }
    if (!['nats:', 'tls:', 'ws:', 'wss:'].includes(u.protocol)) throw new UsageError(`--nats: expected nats:// or tls://, got ${s}`);
  }
  return servers;
}

/** A stream name JetStream accepts (no dots, spaces or wildcards). */
export function parseStreamName(flag: string, raw: unknown): string {
  if (typeof raw !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(raw)) throw new UsageError(`--${flag}: a stream name is 1-64 letters, digits, _ or -; got ${String(raw)}`);
  return raw;
}

/** `--worker I/N`: this worker's index and the number of workers. */
export function parseWorker(raw: unknown): { index: number; workers: number } {
  const m = typeof raw === 'string' ? /^(\d+)\/(\d+)$/.exec(raw.trim()) : null;
  const index = m ? Number(m[1]) : Number.NaN;
  const workers = m ? Number(m[2]) : Number.NaN;
  if (!m || workers < 1 || index >= workers) throw new UsageError(`--worker: expected I/N with 0 ≤ I < N (e.g. 0/3), got ${String(raw)}`);
  return { index, workers };
}
