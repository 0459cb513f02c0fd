/**
 * `flowhound watch --nats URL --worker I/N`: a scale-out worker
 * (src/scale/worker-run.ts). Reads its partitions of the records stream
 * that `flowhound ship` fills, publishes findings to the findings stream
 * (read them with `flowhound findings`), keeps its checkpoints in the
 * stream's KV bucket. Nothing on stdout; events and a summary on stderr.
 * SIGINT/SIGTERM: every lane saves a checkpoint, then exit 0.
 */
import { escapeControl } from '../text/escape-control.js';
import { modelRequestFromFlag } from '../pipeline/model-choice.js';
import { parseNatsServers, parseStreamName, parseWorker } from './scale-options.js';
import { runSetupFromArgs } from './shared-options.js';
import type { WatchArgs, WatchIo } from './watch.js';
import { UsageError } from './usage-error.js';
import { watchTimingFromArgs } from './watch-options.js';

export async function runWatchWorker(args: WatchArgs, io: WatchIo): Promise<number> {
  const started = performance.now();
  if (args.target !== undefined && args.target !== '') throw new UsageError('watch --nats reads the records stream: give no file (ship it with flowhound ship)');
  for (const flag of ['state', 'webhook', 'findings-nats', 'from-end'] as const) {
    if (args[flag] !== undefined) throw new UsageError(`watch --nats: --${flag} does not apply to a worker (checkpoints are in JetStream; read findings with flowhound findings)`);
  }
  const servers = parseNatsServers(args.nats);
  const stream = parseStreamName('stream', args.stream ?? 'FLOWHOUND_RECORDS');
  const findingsStream = parseStreamName('findings-stream', args['findings-stream'] ?? 'FLOWHOUND_FINDINGS');
  if (args.worker === undefined) throw new UsageError('watch --nats: give --worker I/N (this worker and how many there are)');
  const worker = parseWorker(args.worker);
  const timing = watchTimingFromArgs(args);
  const checkpointIntervalSec = args['checkpoint-interval-sec'] ?? 5;
  if (typeof checkpointIntervalSec !== 'number' || !(checkpointIntervalSec > 0)) throw new UsageError(`--checkpoint-interval-sec must be a number above 0, got ${String(checkpointIntervalSec)}`);
  if (timing.idleFlushSec <= 0) throw new UsageError('watch --nats: --idle-flush must be above 0 (a lane reports open incidents when its partition is idle)');
  const setup = runSetupFromArgs(args);
  if (args['rate-lateness-sec'] === undefined) setup.settings.rateLatenessSec = timing.latenessSec;
  const say = (line: string): void => {
    if (!args.quiet) io.stderr.write(`flowhound watch: ${escapeControl(line)}\n`);
  };
  const { openJetStreamRecordLog } = await import('../scale/jetstream-record-log.js');
  const { createJetStreamFindingsSink } = await import('../scale/jetstream-findings.js');
  const { runScaleWorker } = await import('../scale/worker-run.js');
  // The records stream may not exist yet (workers started before the shipper): wait for it.
  let log: Awaited<ReturnType<typeof openJetStreamRecordLog>> | null = null;
  for (let waited = 0; log === null; waited++) {
    try {
      log = await openJetStreamRecordLog({ servers, stream, createPartitions: null });
    } catch (e) {
      if (io.signal.aborted) return 0;
      if (waited === 0) say(`${(e as Error).message}; waiting`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const findings = await createJetStreamFindingsSink({ servers, stream: findingsStream });
  let result: Awaited<ReturnType<typeof runScaleWorker>>;
  try {
    result = await runScaleWorker({
      log,
      findings,
      worker,
      ...setup,
      model: modelRequestFromFlag(args.model),
      latenessSec: timing.latenessSec,
      idleFlushSec: timing.idleFlushSec,
      exitIdleSec: timing.exitIdleSec,
      checkpointIntervalSec,
      signal: io.signal,
      onEvent: (e) => {
        if (e.kind === 'warning' || e.kind === 'rollback') io.stderr.write(`flowhound: warning: ${e.lane}: ${escapeControl(e.message)}\n`);
        else say(e.lane === '*' ? e.message : `${e.lane}: ${e.message}`);
      },
    });
  } finally {
    await findings.close().catch((e: unknown) => io.stderr.write(`flowhound: warning: ${escapeControl((e as Error).message)}\n`));
    await log.close();
  }
  const s = result.stats;
  say(
    `worker ${worker.index}/${worker.workers} stopped after ${((performance.now() - started) / 1000).toFixed(1)} s: ${s.records} records (${s.repeated} repeated by a re-ship, dropped), ` +
      `${s.findings} findings (${findings.stats.published} stored, ${findings.stats.duplicates} already stored), ${s.checkpoints} checkpoints, ${s.rereads} reads resumed, ${s.rollbacks} rollbacks, ${s.idleFlushes} idle flushes` +
      (s.badMessages ? `, ${s.badMessages} malformed messages skipped` : ''),
  );
  return 0;
}
