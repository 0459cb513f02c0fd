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
import type { JudgedWindow } from '../model/judge-windows.js';
import { createEveSink } from '../sink/eve.js';
import { createJsonlSink } from '../sink/jsonl.js';
import type { OutputFormat, Sink, TextOutput } from '../sink/sink.js';
import { createTableSink, type TableSinkOptions } from '../sink/table.js';
import type { RecordBatch } from '../types.js';

/** The model that judged a run, as a sink is told it before close (null: none judged). */
export interface RunModel {
  dir: string | null;
  backend: string | null;
}

export interface PipelineSink extends Sink {
  /** Sees every record batch (before the detectors), for sinks that chart the traffic. */
  observeBatch?(batch: RecordBatch): void;
  /** Sees every window the model or self-baseline judged (alarm or not). */
  observeWindowScores?(judged: readonly JudgedWindow[]): void;
  /** Told, before close, which model judged the run (or null) and what the run summary says about it. */
  observeModel?(model: RunModel | null, note: string): void;
}

/** A table, JSON-lines or EVE sink on `out`; `endOutput` ends `out` on close (a file); `table` shapes the table. */
export function createFormatSink(format: OutputFormat, out: TextOutput, options: { endOutput?: boolean; acknowledgeWrites?: boolean; table?: TableSinkOptions } = {}): Sink {
  const o = { endOutput: options.endOutput === true, acknowledgeWrites: options.acknowledgeWrites === true };
  if (format === 'table') return createTableSink(out, { ...options.table, ...o });
  if (format === 'eve') return createEveSink(out, o);
  return createJsonlSink(out, o);
}

/**
 * One sink writing to each of `sinks` in order; close waits for all of
 * them. `write` returns a promise when a sink does (an acknowledged text
 * output), settled when all of those settled (rejected by the first failure).
 */
export function fanOutSinks(sinks: readonly PipelineSink[]): PipelineSink {
  const observers = sinks.filter((s) => s.observeBatch);
  const fan: PipelineSink = {
    write(findings) {
      const pending: Promise<void>[] = [];
      for (const s of sinks) {
        const r = s.write(findings);
        if (r instanceof Promise) pending.push(r);
      }
      if (pending.length === 0) return;
      return pending.length === 1 ? pending[0] : Promise.all(pending).then(() => undefined);
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
  const scoreObservers = sinks.filter((s) => s.observeWindowScores);
  if (scoreObservers.length) {
    fan.observeWindowScores = (j) => {
      for (const s of scoreObservers) s.observeWindowScores?.(j);
    };
  }
  fan.observeModel = (m, note) => {
    for (const s of sinks) s.observeModel?.(m, note);
  };
  return fan;
}
