/** `flowhound features INPUT... -o FILE.arrow`: feature windows as an Arrow IPC file. */
import type { Argv, CommandModule } from 'yargs';
import { formatWarning, type InputArgs, toReadOptions, withInputOptions } from './input-options.js';
import { createArrowFeatureSink } from '../sink/arrow.js';
import { readFeatureWindows } from '../window/read-feature-windows.js';
import { DEFAULT_WINDOW_SEC } from '../window/windower.js';
import { UsageError } from './usage-error.js';

interface FeaturesArgs extends InputArgs {
  inputs: string[];
  out: string;
  'window-sec': number;
}

export const featuresCommand: CommandModule<object, FeaturesArgs> = {
  command: 'features <inputs..>',
  describe: 'Write per-port feature windows as an Arrow IPC file (readable by pyarrow, polars, DuckDB)',
  builder: (y: Argv) =>
    withInputOptions(y)
      .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'pcap, pcapng, Zeek log, CSV flow export, .gz, or - for stdin' })
      .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'the Arrow file to write' })
      .option('window-sec', { type: 'number', default: DEFAULT_WINDOW_SEC, describe: 'window length in seconds' })
      .example('$0 features capture.pcapng -o windows.arrow', 'per-port feature windows of a capture')
      .example("$0 features /opt/zeek/logs/2026-12-01/ -o day.arrow && duckdb -c \"SELECT * FROM 'day.arrow' LIMIT 5\"", 'a day of Zeek logs, read by DuckDB') as unknown as Argv<FeaturesArgs>,
  handler: async (args) => {
    if (!(args['window-sec'] >= 1) || !Number.isInteger(args['window-sec'])) throw new UsageError(`--window-sec must be a whole number ≥ 1, got ${args['window-sec']}`);
    let warnings = 0;
    const r = await readFeatureWindows(args.inputs, {
      window: { windowSec: args['window-sec'] },
      read: toReadOptions(args, (w) => {
        warnings++;
        if (warnings <= 20) process.stderr.write(`flowhound: warning: ${formatWarning(w)}\n`);
      }),
    });
    const sink = createArrowFeatureSink(args.out, r.windowSec);
    sink.write(r.windows);
    const rows = await sink.close();
    const ports = new Set(r.windows.map((w) => `${w.proto}/${w.port}`)).size;
    process.stderr.write(
      `flowhound features: ${rows} windows (${r.windowSec} s, ${ports} ports) → ${args.out}` +
        (r.stats ? `; late records ${r.stats.lateRecords}, over the per-window key cap ${r.stats.overflowRecords}` : '') +
        (warnings ? `; ${warnings} input warnings` : '') +
        '\n',
    );
  },
};
