/**
 * Where findings go. A sink is an object (write a batch, close at the end),
 * so one run can fan out to several (STYLE.md "Sinks are objects"). Sinks
 * write text to a `TextOutput` the caller owns (the CLI passes stdout or a
 * file stream); the library itself never prints.
 */
import type { Finding } from '../types.js';

export interface Sink {
  write(findings: readonly Finding[]): void;
  /** Writes any footer and waits until everything is flushed to the output. */
  close(): Promise<void>;
}

/** The part of a Node Writable that sinks use. */
export interface TextOutput {
  write(chunk: string): boolean;
  once?(event: 'drain', listener: () => void): unknown;
  end?(cb?: () => void): unknown;
}

export type OutputFormat = 'table' | 'jsonl' | 'eve';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'jsonl', 'eve'];

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
  return o;
}
