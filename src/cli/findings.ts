/**
 * `flowhound findings --nats URL`: reads the findings stream the scale-out
 * workers fill (each finding once: the stream de-duplicates by id) and
 * writes it like analyze and watch do: a table, JSON lines or EVE on
 * stdout, and/or a webhook. `--follow` keeps reading as findings arrive
 * (SIGINT/SIGTERM stop it).
 */
import type { Argv, CommandModule } from 'yargs';
import { escapeControl } from '../text/escape-control.js';
import { createFormatSink, fanOutSinks, type PipelineSink } from '../pipeline/sinks.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../sink/sink.js';
import { createWebhookSink } from '../sink/webhook.js';
import { DEFAULT_FINDINGS_STREAM, NATS_OPTION, parseNatsServers, parseStreamName } from './scale-options.js';
import { type CommandIo, whenStdoutCloses } from './stdio.js';
import { parseWebhookUrl, webhookOptionsFromArgs, WATCH_OPTIONS, type WatchFlagArgs } from './watch-options.js';

export type FindingsArgs = WatchFlagArgs & { nats?: string; stream?: string; output?: string; webhook?: string; follow?: boolean; quiet?: boolean };

export interface FindingsIo extends CommandIo {
  signal: AbortSignal;
}

export const findingsCommand: CommandModule<object, FindingsArgs> = {
  command: 'findings',
  describe: 'Read the findings of scale-out workers from the NATS JetStream findings stream, as a table, JSON lines, EVE or a webhook',
  builder: (y: Argv) =>
    y
      .options({
        nats: NATS_OPTION,
        stream: { type: 'string', default: DEFAULT_FINDINGS_STREAM, describe: 'the JetStream findings stream' },
        output: { type: 'string', choices: [...OUTPUT_FORMATS], default: 'jsonl', describe: 'findings format on stdout' },
        webhook: { type: 'string', describe: 'also POST findings to this http(s) URL' },
        'webhook-format': WATCH_OPTIONS['webhook-format'],
        'webhook-header': WATCH_OPTIONS['webhook-header'],
        follow: { alias: 'f', type: 'boolean', describe: 'keep reading as findings arrive (default: up to the current end, then exit)' },
        quiet: { alias: 'q', type: 'boolean', describe: 'no summary on stderr' },
      })
      .example('$0 findings --nats nats://nats:4222 --output table', 'every finding so far, as a table')
      .example('$0 findings --nats nats://nats:4222 -f --webhook https://siem/hook', 'forward findings as they arrive') as unknown as Argv<FindingsArgs>,
  handler: async (args) => {
    const ac = new AbortController();
    const stop = (): void => ac.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const undo = whenStdoutCloses(stop);
    try {
      const code = await runFindings(args, { stdout: process.stdout, stderr: process.stderr, signal: ac.signal });
      if (code !== 0) process.exitCode = code;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      undo();
    }
  },
};

export async function runFindings(args: FindingsArgs, io: FindingsIo): Promise<number> {
  const servers = parseNatsServers(args.nats);
  const stream = parseStreamName('stream', args.stream ?? DEFAULT_FINDINGS_STREAM);
  const warn = (m: string): void => void io.stderr.write(`flowhound: warning: ${escapeControl(m)}\n`);
  const sinks: PipelineSink[] = [createFormatSink((args.output as OutputFormat | undefined) ?? 'jsonl', io.stdout, { table: { live: args.follow === true } })];
  if (args.webhook !== undefined) sinks.push(createWebhookSink(parseWebhookUrl(args.webhook).href, { onWarning: warn, ...webhookOptionsFromArgs(args) }));
  const sink = fanOutSinks(sinks);
  const { streamJetStreamFindings } = await import('../scale/jetstream-findings.js');
  let count = 0;
  let bad = 0;
  try {
    for await (const batch of streamJetStreamFindings({ servers, stream, follow: args.follow === true, signal: io.signal, onBad: (seq, problem) => {
      bad++;
      warn(`${stream} message ${seq}: skipped: ${problem}`);
    } })) {
      sink.write(batch);
      count += batch.length;
    }
  } finally {
    await sink.close();
  }
  if (!args.quiet) io.stderr.write(`flowhound findings: ${count} findings from ${stream}${bad ? `, ${bad} malformed messages skipped` : ''}\n`);
  return 0;
}
