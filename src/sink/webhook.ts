/**
 * Findings POSTed to a URL as they happen (`watch --webhook URL`).
 *
 * Bodies follow `format` (webhook-format.ts): a JSON array of up to
 * `batchSize` findings (default), EVE lines, or one chat message per
 * finding (Slack, WeCom, DingTalk). Ids are stable, so a receiver that sees
 * one twice (a retry after a lost response, a restart) can drop it;
 * delivery is at-least-once.
 *
 * Delivery never blocks the pipeline: `write` only queues. With `spoolPath`
 * the queue is also on disk: `write` returns once the findings are in the
 * spool file (written to a temporary sibling, fsynced, renamed over it), a
 * finding leaves the spool only after the receiver answered 2xx, and a new
 * sink on the same path sends what an earlier process left (SIGTERM,
 * SIGKILL, a receiver that was down across a restart). The spool also
 * remembers the (id, count) of the last `ACCEPTED_MEMORY` findings it
 * took, in the same atomic write: a finding written again with no larger
 * count (watch replaying after a kill, before its journal named it) is
 * not queued twice. Before each POST the batch is marked in flight
 * (webhook-inflight-mark.ts, fsynced); the mark goes once the answer is
 * recorded. A batch a dead process left in flight (killed after the
 * receiver's 2xx and before the spool's update, or before the answer) is
 * sent again by the next run with each finding `redelivered: true` and the
 * header `X-Flowhound-Redelivery: 1`, in a batch of its own, so a receiver
 * knows which copies it may already have (and drops them by id).
 *
 * One sender sends in order; a network error, a timeout, 408, 429, a 5xx
 * (or a chat API's rate-limit error code) is retried with exponential
 * backoff (`retryBaseMs` doubling up to `retryMaxMs`); another 4xx means
 * the receiver refuses the body, so that batch is dropped and counted
 * (`rejected`). The queue (and spool) holds at most `maxQueue` findings:
 * past that the oldest are dropped, counted (`dropped`) and warned about,
 * so a receiver that is down costs bounded memory and disk. `close()` waits
 * up to `closeTimeoutMs` for the queue to drain; what is left stays in the
 * spool (`spooled`), or without a spool is counted as dropped.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Finding } from '../types.js';
import { orderFinding, type Sink } from './sink.js';
import { clearInflightMark, inflightKey, inflightMarkPath, readInflightMark, writeInflightMark } from './webhook-inflight-mark.js';
import { findingsPerRequest, formatWebhookBody, type WebhookFormat, webhookContentType } from './webhook-format.js';

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
  /** Request body format (default json). */
  format?: WebhookFormat;
  /** Keep the queue in this file, so undelivered findings survive the process. */
  spoolPath?: string;
  /** Delivery problems (first failure of a run of failures, refusals, recovery, spool full). */
  onWarning?: (message: string) => void;
}

export interface WebhookStats {
  /** Findings delivered (2xx). */
  sent: number;
  /** Findings dropped: queue (spool) full while the receiver was down, or left at close without a spool. */
  dropped: number;
  /** Findings left in the spool at close, for the next run to send. */
  spooled: number;
  /** Findings found in the spool at start (left by an earlier run). */
  resumed: number;
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
  const format: WebhookFormat = options.format ?? 'json';
  const batchSize = findingsPerRequest(format, options.batchSize ?? 50);
  const retryBaseMs = options.retryBaseMs ?? 500;
  const retryMaxMs = options.retryMaxMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const closeTimeoutMs = options.closeTimeoutMs ?? 5000;
  const spoolPath = options.spoolPath ?? null;
  const stats: WebhookStats = { sent: 0, dropped: 0, spooled: 0, resumed: 0, rejected: 0, retries: 0, posts: 0 };
  const saved = spoolPath !== null ? readSpoolFile(spoolPath, options.onWarning) : { findings: [], accepted: [] };
  const markPath = spoolPath !== null ? inflightMarkPath(spoolPath) : null;
  const queue: Finding[] = markPath !== null ? markRedelivered(saved.findings, readInflightMark(markPath)) : saved.findings;
  /** id → highest count taken by `write`, oldest first (bounded). */
  const accepted = new Map<string, number>(saved.accepted);
  stats.resumed = queue.length;
  let inflight: Finding[] = [];
  let pumping: Promise<void> | null = null;
  /** Aborts a backoff wait or a request when close() gives up. */
  const stop = new AbortController();
  let failing = false;
  let droppingSince = -1;
  let spoolFailing = false;

  /** A POST of the batch at the head went unanswered (the receiver may have it): it stays marked in flight. */
  let unanswered = false;

  /** How many of the in-flight batch (the oldest findings) were dropped while it was in flight. */
  let inflightDropped = 0;

  function bound(): void {
    const over = queue.length + inflight.length - inflightDropped - maxQueue;
    if (over > 0) {
      const fromInflight = Math.min(over, inflight.length - inflightDropped);
      inflightDropped += fromInflight;
      const n = Math.min(over - fromInflight, queue.length);
      queue.splice(0, n);
      stats.dropped += fromInflight + n;
      if (droppingSince < 0) {
        droppingSince = stats.dropped;
        options.onWarning?.(`webhook ${url}: ${spoolPath !== null ? 'spool' : 'queue'} full (${maxQueue} findings): dropping the oldest undelivered findings (counted in the summary)`);
      }
    } else droppingSince = -1;
  }

  /**
   * Writes what is undelivered (in flight first) and the accepted memory to
   * the spool: temporary sibling, fsync (`durable`; a delivery's update
   * needs none: a kill leaves the bytes in the kernel, a power loss at
   * worst sends the batch again), rename.
   */
  function persist(durable = true): boolean {
    if (spoolPath === null) return false;
    try {
      writeSpool(spoolPath, inflight.length > inflightDropped ? [...inflight.slice(inflightDropped), ...queue] : queue, [...accepted], durable);
      spoolFailing = false;
      return true;
    } catch (e) {
      spoolWarning(e);
      return false;
    }
  }

  function spoolWarning(e: unknown): void {
    if (!spoolFailing) options.onWarning?.(`webhook spool ${spoolPath}: cannot write it (${(e as Error).message}); undelivered findings are kept in memory only`);
    spoolFailing = true;
  }

  /** Marks the batch in flight before its POST (with a spool). */
  function markInflight(batch: readonly Finding[]): void {
    if (markPath === null) return;
    try {
      writeInflightMark(markPath, batch);
    } catch (e) {
      spoolWarning(e);
    }
  }

  /** The answer is recorded in the spool (`recorded`): the batch is no longer in flight. */
  function unmarkInflight(recorded: boolean): void {
    if (markPath === null || !recorded) return;
    try {
      clearInflightMark(markPath);
    } catch (e) {
      spoolWarning(e);
    }
  }

  /** Up to batchSize findings off the queue; redelivered ones go in a batch of their own (the header says so). */
  function takeBatch(): Finding[] {
    const redelivered = queue[0]?.redelivered === true;
    let n = 1;
    while (n < batchSize && n < queue.length && (queue[n]?.redelivered === true) === redelivered) n++;
    return queue.splice(0, n);
  }

  /** `lost`: no answer (a timeout, a connection lost): the batch stays marked in flight, the receiver may have it. */
  async function post(batch: Finding[]): Promise<'ok' | 'retry' | 'lost' | 'refused'> {
    let res: Response;
    let text = '';
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': webhookContentType(format), ...(batch[0]?.redelivered === true ? REDELIVERY_HEADER : undefined), ...options.headers },
        body: formatWebhookBody(format, batch),
        signal: AbortSignal.any([stop.signal, AbortSignal.timeout(timeoutMs)]),
      });
      text = await res.text().catch(() => '');
    } catch (e) {
      if (!failing) options.onWarning?.(`webhook ${url}: POST failed (${(e as Error).message}); retrying with backoff`);
      failing = true;
      // A refused connection took nothing; any other error may have come after the receiver had the body.
      return (e as { cause?: { code?: unknown } }).cause?.code === 'ECONNREFUSED' ? 'retry' : 'lost';
    }
    if (res.ok) {
      // WeCom and DingTalk answer 200 with an error code in the body.
      const apiError = format === 'wecom' || format === 'dingtalk' ? chatApiError(text) : null;
      if (apiError !== null) {
        if (apiError.retry) {
          if (!failing) options.onWarning?.(`webhook ${url}: ${apiError.message}; retrying with backoff`);
          failing = true;
          return 'retry';
        }
        options.onWarning?.(`webhook ${url}: ${apiError.message}: the receiver refused ${batch.length} finding${batch.length === 1 ? '' : 's'}; dropped`);
        return 'refused';
      }
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
      inflight = takeBatch();
      inflightDropped = 0;
      markInflight(inflight);
      const r = await post(inflight);
      const batch = inflight;
      const droppedMeanwhile = inflightDropped;
      inflight = [];
      inflightDropped = 0;
      if (r === 'ok') {
        unanswered = false;
        unmarkInflight(persist(false));
        // Dropped from the spool while in flight, but delivered after all.
        stats.dropped -= droppedMeanwhile;
        stats.sent += batch.length;
        stats.posts++;
        delay = retryBaseMs;
      } else if (r === 'refused') {
        unanswered = false;
        unmarkInflight(persist());
        stats.dropped -= droppedMeanwhile;
        stats.rejected += batch.length;
      } else {
        stats.retries++;
        // Refused for now (503): not taken, unless an earlier try of it went unanswered.
        if (r === 'retry' && !unanswered) unmarkInflight(true);
        if (r === 'lost') unanswered = true;
        queue.unshift(...batch.slice(droppedMeanwhile));
        bound();
        if (stop.signal.aborted) break;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay);
          stop.signal.addEventListener(
            'abort',
            () => {
              clearTimeout(t);
              resolve();
            },
            { once: true },
          );
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

  // The flags go into the spool before the mark goes: a crash from here on still sends them marked.
  if (markPath !== null && queue.some((f) => f.redelivered === true)) unmarkInflight(persist());
  if (queue.length > 0) kick();

  return {
    stats,
    pending() {
      return queue.length + inflight.length - inflightDropped;
    },
    write(findings: readonly Finding[]) {
      if (findings.length === 0 || stop.signal.aborted) return;
      let added = 0;
      for (const f of findings) {
        const c = typeof f.evidence.count === 'number' && Number.isFinite(f.evidence.count) ? f.evidence.count : 1;
        const prev = accepted.get(f.id);
        // Taken before with this count or more (a replay): already queued or delivered.
        if (prev !== undefined && prev >= c) continue;
        accepted.delete(f.id);
        accepted.set(f.id, c);
        // The spool's own mark says what the receiver may have; a driver's `redelivered` (stdout's doubt) is not the webhook's.
        queue.push(f.redelivered === true ? withoutRedelivered(f) : f);
        added++;
      }
      if (added === 0) return;
      if (accepted.size > ACCEPTED_MEMORY + (ACCEPTED_MEMORY >>> 3)) {
        let n = accepted.size - ACCEPTED_MEMORY;
        for (const id of accepted.keys()) {
          if (n-- <= 0) break;
          accepted.delete(id);
        }
      }
      bound();
      persist();
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
      if (spoolPath !== null) {
        persist();
        stats.spooled = queue.length;
      } else stats.dropped += queue.length;
      queue.length = 0;
    },
  };
}

const REDELIVERY_HEADER = { 'x-flowhound-redelivery': '1' };

function withoutRedelivered(f: Finding): Finding {
  const { redelivered: _, ...rest } = f;
  return rest;
}

/** The spool's findings with those of the in-flight mark flagged `redelivered`. */
function markRedelivered(findings: Finding[], marked: ReadonlySet<string>): Finding[] {
  if (marked.size === 0) return findings;
  return findings.map((f) => (f.redelivered !== true && marked.has(inflightKey(f)) ? { ...f, redelivered: true } : f));
}

/** (id, count) pairs the spool remembers having taken, against replays. */
export const ACCEPTED_MEMORY = 2000;

/** Undelivered webhook findings of `watch --state FILE` wait in FILE.webhook-spool. */
export function webhookSpoolPath(statePath: string): string {
  return `${statePath}.webhook-spool`;
}

/** WeCom/DingTalk `{"errcode": N, "errmsg": …}`: null when 0 (or no such body); rate limits are retried. */
function chatApiError(text: string): { message: string; retry: boolean } | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null) return null;
  const code = (body as Record<string, unknown>).errcode;
  if (typeof code !== 'number' || code === 0) return null;
  const msg = String((body as Record<string, unknown>).errmsg ?? '').slice(0, 200);
  // WeCom 45009 (API freq out of limit), DingTalk 130101 (send too fast), -1 (system busy).
  const retry = code === 45009 || code === 130101 || code === -1;
  return { message: `API error ${code} ${JSON.stringify(msg)}`, retry };
}

/** The spool's findings, oldest first; a missing file is an empty spool, a bad line is skipped with a warning. */
export function readSpool(path: string, onWarning?: (message: string) => void): Finding[] {
  return readSpoolFile(path, onWarning).findings;
}

/**
 * The spool file: a first line `{"accepted":[[id,count],…]}` (the findings
 * taken, against replays), then one undelivered finding per line.
 */
export function readSpoolFile(path: string, onWarning?: (message: string) => void): { findings: Finding[]; accepted: [string, number][] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { findings: [], accepted: [] };
    onWarning?.(`webhook spool ${path}: cannot read it (${(e as Error).message}); starting with an empty spool`);
    return { findings: [], accepted: [] };
  }
  const findings: Finding[] = [];
  const accepted: [string, number][] = [];
  let bad = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const f = JSON.parse(line) as Finding & { accepted?: unknown };
      if (typeof f === 'object' && f !== null && typeof f.id === 'string' && typeof f.kind === 'string') findings.push(f);
      else if (typeof f === 'object' && f !== null && Array.isArray(f.accepted)) {
        for (const e of f.accepted) if (Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number') accepted.push([e[0], e[1]]);
      } else bad++;
    } catch {
      bad++;
    }
  }
  if (bad > 0) onWarning?.(`webhook spool ${path}: ${bad} unreadable line${bad === 1 ? '' : 's'} skipped`);
  return { findings, accepted };
}

let spoolWrites = 0;

/** Writes the spool atomically: a temporary sibling (fsynced when `durable`), then rename. An empty spool is removed. */
export function writeSpool(path: string, findings: readonly Finding[], accepted: readonly [string, number][] = [], durable = true): void {
  if (findings.length === 0 && accepted.length === 0) {
    try {
      unlinkSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    return;
  }
  spoolWrites++;
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${spoolWrites}`);
  let text = accepted.length > 0 ? `${JSON.stringify({ accepted })}\n` : '';
  for (const f of findings) text += `${JSON.stringify(orderFinding(f))}\n`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
