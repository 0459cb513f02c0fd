/**
 * Findings POSTed to a URL as they happen (`watch --webhook URL`).
 *
 * Each POST carries a JSON array of up to `batchSize` findings (the
 * finding shape, `Content-Type: application/json`); ids are stable, so a
 * receiver that sees one twice (a retry after a lost response, a restart)
 * can drop it.
 *
 * Delivery never blocks the pipeline: `write` only queues. One sender sends
 * in order; a network error, a timeout, 408, 429 or a 5xx is retried with
 * exponential backoff (`retryBaseMs` doubling up to `retryMaxMs`); another
 * 4xx means the receiver refuses the body, so that batch is dropped and
 * counted (`rejected`). The queue holds at most `maxQueue` findings: past
 * that the oldest are dropped and counted (`dropped`), so a receiver that
 * is down costs bounded memory. `close()` waits up to `closeTimeoutMs` for
 * the queue to drain, then counts what is left as dropped.
 */
import type { Finding } from '../types.js';
import { orderFinding, type Sink } from './sink.js';

export interface WebhookSinkOptions {
  /** Most findings queued (default 1000); past it the oldest are dropped. */
  maxQueue?: number;
  /** Most findings per POST (default 50). */
  batchSize?: number;
  /** First retry delay in ms (default 500), doubling per failure. */
  retryBaseMs?: number;
  /** Longest retry delay in ms (default 30000). */
  retryMaxMs?: number;
  /** Request timeout in ms (default 10000). */
  timeoutMs?: number;
  /** How long close() waits for the queue to drain, in ms (default 5000). */
  closeTimeoutMs?: number;
  headers?: Record<string, string>;
  /** Delivery problems (first failure of a run of failures, refusals, recovery). */
  onWarning?: (message: string) => void;
}

export interface WebhookStats {
  /** Findings delivered (2xx). */
  sent: number;
  /** Findings dropped: queue full while the receiver was down, or left at close. */
  dropped: number;
  /** Findings the receiver refused (4xx other than 408/429). */
  rejected: number;
  /** Failed POSTs that were retried. */
  retries: number;
  /** POSTs that succeeded. */
  posts: number;
}

export interface WebhookSink extends Sink {
  readonly stats: WebhookStats;
  /** Findings queued or in flight. */
  pending(): number;
}

export function createWebhookSink(url: string, options: WebhookSinkOptions = {}): WebhookSink {
  const maxQueue = options.maxQueue ?? 1000;
  const batchSize = options.batchSize ?? 50;
  const retryBaseMs = options.retryBaseMs ?? 500;
  const retryMaxMs = options.retryMaxMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const closeTimeoutMs = options.closeTimeoutMs ?? 5000;
  const stats: WebhookStats = { sent: 0, dropped: 0, rejected: 0, retries: 0, posts: 0 };
  const queue: Finding[] = [];
  let inflight: Finding[] = [];
  let pumping: Promise<void> | null = null;
  /** Aborts a backoff wait or a request when close() gives up. */
  const stop = new AbortController();
  let failing = false;

  function bound(): void {
    const over = queue.length + inflight.length - maxQueue;
    if (over > 0) {
      const n = Math.min(over, queue.length);
      queue.splice(0, n);
      stats.dropped += n;
    }
  }

  async function post(batch: Finding[]): Promise<'ok' | 'retry' | 'refused'> {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        body: JSON.stringify(batch.map(orderFinding)),
        signal: AbortSignal.any([stop.signal, AbortSignal.timeout(timeoutMs)]),
      });
      await res.arrayBuffer().catch(() => undefined);
    } catch (e) {
      if (!failing) options.onWarning?.(`webhook ${url}: POST failed (${(e as Error).message}); retrying with backoff`);
      failing = true;
      return 'retry';
    }
    if (res.ok) {
      if (failing) options.onWarning?.(`webhook ${url}: delivering again`);
      failing = false;
      return 'ok';
    }
    if (res.status === 408 || res.status === 429 || res.status >= 500) {
      if (!failing) options.onWarning?.(`webhook ${url}: HTTP ${res.status}; retrying with backoff`);
      failing = true;
      return 'retry';
    }
    options.onWarning?.(`webhook ${url}: HTTP ${res.status}: the receiver refused ${batch.length} finding${batch.length === 1 ? '' : 's'}; dropped`);
    return 'refused';
  }

  async function pump(): Promise<void> {
    let delay = retryBaseMs;
    while (queue.length > 0 && !stop.signal.aborted) {
      inflight = queue.splice(0, batchSize);
      const r = await post(inflight);
      const batch = inflight;
      inflight = [];
      if (r === 'ok') {
        stats.sent += batch.length;
        stats.posts++;
        delay = retryBaseMs;
      } else if (r === 'refused') {
        stats.rejected += batch.length;
      } else {
        stats.retries++;
        queue.unshift(...batch);
        bound();
        if (stop.signal.aborted) break;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay);
          stop.signal.addEventListener('abort', () => {
            clearTimeout(t);
            resolve();
          }, { once: true });
        });
        delay = Math.min(retryMaxMs, delay * 2);
      }
    }
  }

  function kick(): void {
    if (pumping !== null) return;
    pumping = pump().finally(() => {
      pumping = null;
      if (queue.length > 0 && !stop.signal.aborted) kick();
    });
  }

  return {
    stats,
    pending() {
      return queue.length + inflight.length;
    },
    write(findings: readonly Finding[]) {
      if (findings.length === 0 || stop.signal.aborted) return;
      queue.push(...findings);
      bound();
      kick();
    },
    async close() {
      if (pumping !== null) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          pumping,
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, closeTimeoutMs);
          }),
        ]);
        clearTimeout(timer);
      }
      stop.abort();
      if (pumping !== null) await pumping;
      stats.dropped += queue.length;
      queue.length = 0;
    },
  };
}
