/** `flowhound model inspect DIR`: what a model was trained on, its schema, thresholds and ports. */
import type { Argv, CommandModule } from 'yargs';
import { readModelMeta, type StoredThreshold } from '../model/model-meta.js';
import { describeThinTraining, describeWarmStart } from '../model/training-advice.js';
import { FEATURES } from '../window/feature-schema.js';

interface InspectArgs {
  dir: string;
  json: boolean;
  ports: number;
}

const inspectCommand: CommandModule<object, InspectArgs> = {
  command: 'inspect <dir>',
  describe: 'Show what a model was trained on, its feature schema, thresholds and ports',
  builder: (y: Argv) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'model folder' })
      .option('json', { type: 'boolean', default: false, describe: 'print flowhound.json as it is' })
      .option('ports', { type: 'number', default: 20, describe: 'how many ports to list' })
      .example('$0 model inspect models/nightly', 'training period, schema, thresholds, busiest ports')
      .example('$0 model inspect models/nightly --json | jq .training', "the model's flowhound.json, for scripts") as unknown as Argv<InspectArgs>,
  handler: (args) => {
    const m = readModelMeta(args.dir);
    if (args.json) {
      process.stdout.write(`${JSON.stringify(m, null, 2)}\n`);
      return;
    }
    const t = m.training;
    const iso = (s: number) => new Date(s * 1000).toISOString();
    const out: string[] = [
      `model          ${args.dir}`,
      `kinds          ${m.kinds.join(', ')}`,
      `flowhound      ${m.flowhoundVersion} (model format ${m.formatVersion})`,
      `feature schema version ${m.featureSchemaVersion}: ${FEATURES.length} features, ${m.windowSec} s windows`,
      `trained on     ${t.inputs.join(', ')}`,
      `event time     ${iso(t.firstWindowSec)} … ${iso(t.lastWindowSec + m.windowSec)}`,
      `windows        ${t.windows} over ${t.ports} ports (late records ${t.lateRecords})`,
      `training       backend ${t.backend}, seed ${t.seed}, ${t.epochs} epochs, batch ${t.batchSize}, learning rate ${t.learningRate}${t.warmStartFrom ? `, warm start from ${describeWarmStart(t.warmStartFrom, args.dir)}` : ''}`,
    ];
    const thin = describeThinTraining(t.windows, t.lastWindowSec + m.windowSec - t.firstWindowSec);
    if (thin) out.push(`warning        ${thin}`);
    const b = m.baselines;
    out.push(
      `baselines      ${b.ports.length} ports with ≥ ${b.settings.minPortWindows} windows judged (${Object.keys(b.windowsPerPort).length} seen); false-alarm budget ${b.settings.falseAlarmBudget} per window (z ≥ ${b.zBudget.toFixed(2)}), margin ${b.settings.thresholdMargin}, evidence factor ${b.settings.evidenceFactor}`,
      `network        ${m.network ? `${m.network.hosts.length} hosts, ${m.network.subnets.length} subnets (${m.network.subnets.slice(0, 4).join(', ')}${m.network.subnets.length > 4 ? ', …' : ''})` : 'not recorded (trained from feature files only)'}`,
    );
    if (m.dense) {
      const th = m.dense.threshold;
      out.push(`dense          ${FEATURES.length}→${m.dense.hiddenUnits.join('→')}→${FEATURES.length}, final loss ${t.finalLoss.dense?.toFixed(5)}; ${describeThreshold(th)}`);
    }
    if (m.lstm) {
      const th = m.lstm.threshold;
      out.push(`lstm           LSTM(${m.lstm.units}) over ${m.lstm.seqLen} windows, final loss ${t.finalLoss.lstm?.toFixed(5)}; ${describeThreshold(th)}; ${m.lstm.portScales.length} per-port scales, global ${m.lstm.globalScale.toPrecision(4)}`);
    }
    out.push('', 'feature            learned median   IQR (transformed)');
    FEATURES.forEach((f, j) => {
      out.push(`${f.name.padEnd(18)} ${String(Number(m.scaler.rawMedian[j]!.toPrecision(5))).padStart(14)}   ${m.scaler.iqr[j]!.toFixed(3)}`);
    });
    out.push('', `ports (${m.learnedRates.length}, most windows first)`, 'proto/port     windows   peak pps   p99 peak pps');
    for (const p of b.ports.slice(0, args.ports)) {
      const dense = m.dense?.portThresholds.find((t) => t.key === p.key);
      out.push(`baseline ${p.key}: ${p.windows} windows; flows p50 ${p.p50[0]} p99 ${p.p99[0]}; bytes p50 ${p.p50[2]} p99 ${p.p99[2]}${dense ? `; dense threshold ${dense.threshold.toPrecision(4)}` : ''}`);
    }
    for (const r of m.learnedRates.slice(0, args.ports)) {
      out.push(`${`${r.proto}/${r.port}`.padEnd(14)} ${String(r.windows).padStart(7)}   ${r.peakPps.toFixed(1).padStart(8)}   ${r.p99PeakPps.toFixed(1).padStart(12)}`);
    }
    process.stdout.write(`${out.join('\n')}\n`);
  },
};

function describeThreshold(th: StoredThreshold): string {
  const how = th.method === 'lognormal' ? `log-normal tail p=${th.tailP} (log mean ${th.logMean.toFixed(3)}, sd ${th.logStd.toFixed(3)})` : th.method === 'max' ? `largest calibration score ${th.trainingMaxScore.toPrecision(4)} × ${th.margin} (log-normal tail p=${th.tailP} capped)` : `q${th.quantile} ${th.quantileScore.toPrecision(4)} × ${th.margin}`;
  return `threshold ${th.threshold.toPrecision(4)} = ${how}, from ${th.trainingWindows} ${th.calibratedOn === 'holdout' ? 'held-out (out-of-fold for dense)' : 'fitted'} training windows (median ${th.trainingMedianScore.toPrecision(4)}, max ${th.trainingMaxScore.toPrecision(4)})`;
}

export const modelCommand: CommandModule<object, object> = {
  command: 'model <command>',
  describe: 'Inspect model folders',
  builder: (y: Argv) => y.command(inspectCommand).demandCommand(1).example('$0 model inspect models/nightly', 'what a model was trained on'),
  handler: () => {},
};
