/** `flowhound train INPUT... --out DIR`: trains a baseline model and writes its folder atomically. */
import type { Argv, CommandModule } from 'yargs';
import { formatWarning, type InputArgs, toReadOptions, withInputOptions } from './input-options.js';
import { BACKEND_NAMES, type BackendName, isBackendName } from '../model/backend.js';
import { type FlowhoundModel, loadModel } from '../model/flowhound-model.js';
import { DEFAULT_BATCH_SIZE, DEFAULT_LEARNING_RATE } from '../model/fit-seeded.js';
import { DEFAULT_EPOCHS, DEFAULT_SEED, type TrainKind, trainModel } from '../model/train-model.js';
import type { StoredThreshold } from '../model/model-meta.js';
import { readFeatureWindows } from '../window/read-feature-windows.js';
import { createHostTally } from '../model/network-profile.js';
import { DEFAULT_WINDOW_SEC } from '../window/windower.js';
import { describeThinTraining, describeWarmStart, isEmptyModelFolder } from '../model/training-advice.js';
import { escapeControl } from '../text/escape-control.js';
import { UsageError } from './usage-error.js';

interface TrainArgs extends InputArgs {
  inputs: string[];
  out: string;
  kind: string;
  seed: number;
  epochs: number;
  'batch-size': number;
  'learning-rate': number;
  'warm-start'?: string;
  backend?: string;
  'window-sec'?: number;
}

export const trainCommand: CommandModule<object, TrainArgs> = {
  command: 'train <inputs..>',
  describe: 'Train the baseline model (dense autoencoder and/or LSTM) from captures, logs or Arrow feature files',
  builder: (y: Argv) =>
    withInputOptions(y)
      .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'pcap, pcapng, Zeek log, CSV, .gz, Arrow feature file, or -' })
      .option('out', { type: 'string', demandOption: true, describe: 'model folder to write (replaced atomically)' })
      .option('kind', { type: 'string', choices: ['dense', 'lstm', 'all'], default: 'dense', describe: 'which network(s) to train (dense by default: see docs/models.md on the LSTM)' })
      .option('seed', { type: 'number', default: DEFAULT_SEED, describe: 'seed for initializers and shuffling (repeatable on one backend)' })
      .option('epochs', { type: 'number', default: DEFAULT_EPOCHS, describe: 'training epochs' })
      .option('batch-size', { type: 'number', default: DEFAULT_BATCH_SIZE, describe: 'mini-batch size' })
      .option('learning-rate', { type: 'number', default: DEFAULT_LEARNING_RATE, describe: 'Adam learning rate' })
      .option('warm-start', { type: 'string', describe: 'continue from this model folder\'s weights (keeps its scaler; recalibrates thresholds)' })
      .option('backend', { type: 'string', choices: [...BACKEND_NAMES], describe: 'force a TensorFlow.js backend (default: node, else wasm, else cpu)' })
      .option('window-sec', { type: 'number', describe: `window length in seconds for raw inputs (default ${DEFAULT_WINDOW_SEC}, or the warm-start model's)` })
      .example('$0 train logs/*.conn.log.gz --out models/nightly', "a baseline of this network's traffic")
      .example('$0 train today.arrow --warm-start models/nightly --out models/nightly', "update last night's model from a day of feature windows") as unknown as Argv<TrainArgs>,
  handler: async (args) => {
    if (!(args.epochs >= 1) || !Number.isInteger(args.epochs)) throw new UsageError(`--epochs must be a whole number ≥ 1, got ${args.epochs}`);
    if (!Number.isInteger(args.seed)) throw new UsageError(`--seed must be an integer, got ${args.seed}`);
    if (!(args['batch-size'] >= 1)) throw new UsageError(`--batch-size must be ≥ 1, got ${args['batch-size']}`);
    const backend: BackendName | undefined = args.backend !== undefined && isBackendName(args.backend) ? args.backend : undefined;
    const tty = process.stderr.isTTY === true;
    let warm: FlowhoundModel | undefined;
    const warmDir = args['warm-start'];
    if (warmDir !== undefined && isEmptyModelFolder(warmDir)) {
      // The first night of a nightly job: the folder it warm-starts from has no model yet.
      process.stderr.write(`flowhound train: note: --warm-start ${escapeControl(warmDir)} holds no model yet; training from scratch (a cold start)\n`);
    } else if (warmDir !== undefined) {
      warm = await loadModel(warmDir, backend ? { backend } : {});
    }
    const windowSec = args['window-sec'] ?? warm?.meta.windowSec;
    let warnings = 0;
    const started = performance.now();
    const hosts = createHostTally();
    const r = await readFeatureWindows(args.inputs, {
      window: windowSec !== undefined ? { windowSec } : {},
      onFlows: (flows) => hosts.add(flows),
      read: toReadOptions(args, (w) => {
        warnings++;
        if (warnings <= 20) process.stderr.write(`flowhound: warning: ${formatWarning(w)}\n`);
      }),
    });
    const readSec = (performance.now() - started) / 1000;
    if (tty) process.stderr.write(`flowhound train: ${r.windows.length} windows from ${args.inputs.length} input(s) in ${readSec.toFixed(1)} s\n`);
    const model = await trainModel(r.windows, {
      kind: args.kind as TrainKind,
      seed: args.seed,
      epochs: args.epochs,
      batchSize: args['batch-size'],
      learningRate: args['learning-rate'],
      ...(backend ? { backend } : {}),
      ...(warm ? { warmStart: warm } : {}),
      inputs: args.inputs,
      network: r.rawInputs.length > 0 ? hosts.profile() : null,
      lateRecords: r.stats?.lateRecords ?? 0,
      onPhase: (message) => {
        if (tty) process.stderr.write(`${message}\n`);
      },
      onEpoch: (kind, epoch, epochs, loss, wps) => {
        if (tty) process.stderr.write(`\r${kind}: epoch ${epoch}/${epochs}  loss ${loss.toFixed(5)}  ${Math.round(wps)} windows/s   ${epoch === epochs ? '\n' : ''}`);
      },
    });
    await model.save(args.out);
    const m = model.meta;
    const totalSec = (performance.now() - started) / 1000;
    const lines = [
      `flowhound train: wrote ${args.out} (${m.kinds.join(' + ')}) on backend ${model.backend}`,
      `  windows ${m.training.windows} (${m.windowSec} s) over ${m.training.ports} ports, event time ${new Date(m.training.firstWindowSec * 1000).toISOString()} … ${new Date((m.training.lastWindowSec + m.windowSec) * 1000).toISOString()}`,
      `  epochs ${m.training.epochs}, seed ${m.training.seed}${m.training.warmStartFrom ? `, warm start from ${describeWarmStart(m.training.warmStartFrom, args.out)}` : warmDir !== undefined ? ', cold start (nothing to warm-start from)' : ''}`,
    ];
    const thin = describeThinTraining(m.training.windows, m.training.lastWindowSec + m.windowSec - m.training.firstWindowSec);
    if (thin) process.stderr.write(`flowhound: warning: ${thin}\n`);
    const th = (t: StoredThreshold) => `threshold ${t.threshold.toPrecision(4)} (${t.method === 'lognormal' ? `log-normal tail p=${t.tailP}` : t.method === 'max' ? `largest calibration score × ${t.margin}` : `q${t.quantile} × ${t.margin}`}, from ${t.trainingWindows} ${t.calibratedOn === 'holdout' ? 'held-out (out-of-fold for dense)' : 'fitted'} training windows)`;
    lines.push(`  per-port baselines: ${m.baselines.ports.length} ports with ≥ ${m.baselines.settings.minPortWindows} windows (of ${Object.keys(m.baselines.windowsPerPort).length}); false-alarm budget ${m.baselines.settings.falseAlarmBudget} per window`);
    lines.push(`  network: ${m.network ? `${m.network.hosts.length} hosts, ${m.network.subnets.length} subnets` : 'not recorded (feature files only)'}`);
    if (m.dense) lines.push(`  dense: final loss ${m.training.finalLoss.dense?.toFixed(5)}, per-port thresholds for ${m.dense.portThresholds.length} ports; overall ${th(m.dense.threshold)}`);
    if (m.lstm) lines.push(`  lstm: final loss ${m.training.finalLoss.lstm?.toFixed(5)}, ${th(m.lstm.threshold)}, ${m.training.lstmSamples} samples`);
    lines.push(`  late records ${m.training.lateRecords}${warnings ? `, ${warnings} input warnings` : ''}, ${totalSec.toFixed(1)} s total`);
    process.stderr.write(`${lines.join('\n')}\n`);
    model.dispose();
    warm?.dispose();
  },
};
