/**
 * Request bodies of `watch --webhook-format`:
 *
 * - `json` (default): a JSON array of findings in the finding shape.
 * - `eve`: Suricata EVE `alert` objects, one per line
 *   (`application/x-ndjson`), as eve.json holds them, for receivers built
 *   for Suricata (Logstash/Vector/Fluent Bit HTTP inputs).
 * - `slack`: one Slack incoming-webhook message per finding,
 *   `{"text": …}` in Slack's mrkdwn.
 * - `wecom`: one WeCom (企业微信) group-bot message per finding,
 *   `{"msgtype":"markdown","markdown":{"content":…}}`.
 * - `dingtalk`: one DingTalk custom-robot message per finding,
 *   `{"msgtype":"markdown","markdown":{"title":…,"text":…}}`.
 *
 * A chat message names the kind, severity, source, target host and port,
 * the count, the summary and the finding id (the stable id receivers
 * de-duplicate by), and says "update" when the finding re-reports an id with
 * grown counts, "redelivered" when it is sent again after a process died
 * with it in flight. Strings from traffic (summaries hold domain names, hosts)
 * are escaped for the chat's markup, so traffic cannot inject links or
 * mentions.
 */
import type { Finding } from '../types.js';
import { toEveAlert } from './eve.js';
import { orderFinding } from './sink.js';

export type WebhookFormat = 'json' | 'eve' | 'slack' | 'wecom' | 'dingtalk';

export const WEBHOOK_FORMATS: readonly WebhookFormat[] = ['json', 'eve', 'slack', 'wecom', 'dingtalk'];

export function isWebhookFormat(s: unknown): s is WebhookFormat {
  return typeof s === 'string' && (WEBHOOK_FORMATS as readonly string[]).includes(s);
}

/** Chat formats carry one finding per request. */
export function findingsPerRequest(format: WebhookFormat, batchSize: number): number {
  return format === 'json' || format === 'eve' ? batchSize : 1;
}

export function webhookContentType(format: WebhookFormat): string {
  return format === 'eve' ? 'application/x-ndjson' : 'application/json';
}

export function formatWebhookBody(format: WebhookFormat, batch: readonly Finding[]): string {
  switch (format) {
    case 'json':
      return JSON.stringify(batch.map(orderFinding));
    case 'eve':
      return batch.map((f) => `${JSON.stringify(toEveAlert(f))}\n`).join('');
    case 'slack':
      return JSON.stringify({ text: batch.map((f) => chatLines(f, escapeSlack, '*', '`').join('\n')).join('\n\n') });
    case 'wecom':
      return JSON.stringify({ msgtype: 'markdown', markdown: { content: batch.map((f) => chatLines(f, escapeMarkdown, '**', '`').join('\n')).join('\n\n') } });
    case 'dingtalk': {
      const first = batch[0];
      const title = first ? `flowhound ${first.kind} ${first.severity}` : 'flowhound';
      return JSON.stringify({ msgtype: 'markdown', markdown: { title, text: batch.map((f) => chatLines(f, escapeMarkdown, '**', '`').join('\n\n')).join('\n\n') } });
    }
  }
}

function chatLines(f: Finding, esc: (s: string) => string, bold: string, code: string): string[] {
  const count = typeof f.evidence.count === 'number' ? f.evidence.count : null;
  const where = `${f.dst ?? '*'}${f.port !== null ? `:${f.port}` : ''}${f.proto !== null ? `/${f.proto}` : ''}`;
  const lines = [
    `${bold}flowhound ${esc(f.kind)}${bold} (${esc(f.severity)})${f.update === true ? ' update' : ''}${f.redelivered === true ? ' redelivered' : ''}`,
    `source ${code}${esc(f.src ?? '*')}${code} → target ${code}${esc(where)}${code}${count !== null ? `, count ${count}` : ''}`,
    esc(f.summary),
    `id ${code}${esc(f.id)}${code}, ${new Date(Math.floor(f.ts * 1000)).toISOString()} – ${new Date(Math.floor(f.end * 1000)).toISOString()}`,
  ];
  return lines;
}

/** Slack mrkdwn: &, < and > are the control characters (links, mentions); backticks and stars would break the markup. */
export function escapeSlack(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/[`*_~]/g, (c) => `\u200b${c}`);
}

/** Markdown (WeCom, DingTalk): backslash-escape the characters that make links, emphasis, code and HTML. */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_[\]()<>#!|~]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
}
