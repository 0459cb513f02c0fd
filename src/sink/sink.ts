/**
 * Where findings go. A sink is an object (write a batch, close at the end),
 * so one run can fan out to several (STYLE.md "Sinks are objects"). Sinks
 * write text to a `TextOutput` the caller owns (the CLI passes stdout or a
 * file stream); the library itself never prints.
 */
import type { Finding } from '../types.js';

export interface Sink {
  /**
   * Writes a batch of findings. A sink that knows when they reached its
   * output (a text sink with `acknowledgeWrites`) returns a promise that
   * resolves then and rejects when the write failed (EPIPE), so `watch`
   * records as emitted only what was written.
   */
  write(findings: readonly Finding[]): void | Promise<void>;
  /** Writes any footer and waits until everything is flushed to the output. */
  close(): Promise<void>;
}

/** The part of a Node Writable that sinks use. */
export interface TextOutput {
  write(chunk: string, callback?: (error?: Error | null) => void): boolean;
  once?(event: 'drain', listener: () => void): unknown;
  end?(cb?: () => void): unknown;
}

export type OutputFormat = 'table' | 'jsonl' | 'eve';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'jsonl', 'eve'];

/** Options of the text sinks (table, jsonl, eve). */
export interface TextSinkOptions {
  /** End `out` on close (a file). */
  endOutput?: boolean;
  /** `write` returns a promise settled by the output's write callback (see Sink.write). */
  acknowledgeWrites?: boolean;
}

/**
 * Writes `text` to `out`. With `acknowledge`, and an output that takes a
 * write callback (a Node stream; a test's plain object does not declare
 * one), returns a promise settled by that callback: resolved once the
 * bytes were handed to the operating system, rejected with the write's
 * error (EPIPE when the reader went away).
 */
export function writeText(out: TextOutput, text: string, acknowledge: boolean): void | Promise<void> {
  if (!acknowledge || out.write.length < 2) {
    out.write(text);
    return;
  }
  return new Promise((resolve, reject) => {
    out.write(text, (e) => (e ? reject(e) : resolve()));
  });
}

/** Ends `out` when `endOutput` is set (a file), else resolves at once (stdout stays open). */
export function finishOutput(out: TextOutput, endOutput: boolean): Promise<void> {
  if (!endOutput || !out.end) return Promise.resolve();
  return new Promise((resolve) => {
    out.end?.(() => resolve());
  });
}

/** Findings in a fixed key order (the documented JSON shape). */
export function orderFinding(f: Finding): Finding {
  const o: Finding = {
    id: f.id,
    ts: f.ts,
    end: f.end,
    kind: f.kind,
    severity: f.severity,
    confidence: f.confidence,
    src: f.src,
    dst: f.dst,
    port: f.port,
    proto: f.proto,
    detector: f.detector,
    summary: f.summary,
    evidence: f.evidence,
  };
  if (f.update === true) o.update = true;
  if (f.redelivered === true) o.redelivered = true;
  return o;
}
