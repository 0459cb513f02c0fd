/**
 * Findings sinks of a run, chosen from settings: the text formats (table,
 * jsonl, eve) on an output the caller owns, and fan-out to several sinks
 * (a format on stdout plus a webhook, a report, a JetStream stream).
 *
 *   const sink = fanOutSinks([createFormatSink('jsonl', process.stdout), webhook]);
 *   sink.write(findings); await sink.close();
 *
 * A sink that also wants the records (the HTML report's per-window series)
 * implements `observeBatch`; `runAnalysis`/`runWatchPipeline` call it for
 * every batch before the detectors see it.
 */
import type { RecordBatch } from '../types.js';
import { createEveSink } from '../sink/eve.js';
import { createJsonlSink } from '../sink/jsonl.js';
import type { OutputFormat, Sink, TextOutput } from '../sink/sink.js';
import { createTableSink } from '../sink/table.js';

export interface PipelineSink extends Sink {
  /** Sees every record batch (before the detectors), for sinks that chart the traffic. */
  observeBatch?(batch: RecordBatch): void;
}

/** A table, JSON-lines or EVE sink on `out`; `endOutput` ends `out` on close (a file). */
export function createFormatSink(format: OutputFormat, out: TextOutput, options: { endOutput?: boolean } = {}): Sink {
  const o = { endOutput: options.endOutput === true };
  if (format === 'table') return createTableSink(out, o);
  if (format === 'eve') return createEveSink(out, o);
  return createJsonlSink(out, o);
}

/** One sink writing to each of `sinks` in order; close waits for all of them. */
export function fanOutSinks(sinks: readonly PipelineSink[]): PipelineSink {
  const observers = sinks.filter((s) => s.observeBatch);
  const fan: PipelineSink = {
    write(findings) {
      for (const s of sinks) s.write(findings);
    },
    async close() {
      const results = await Promise.allSettled(sinks.map((s) => s.close()));
      for (const r of results) if (r.status === 'rejected') throw r.reason;
    },
  };
  if (observers.length) {
    fan.observeBatch = (b) => {
      for (const s of observers) s.observeBatch?.(b);
    };
  }
  return fan;
}
