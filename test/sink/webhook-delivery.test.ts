/**
 * The webhook's spool, headers and body formats, each against a real local
 * HTTP receiver (127.0.0.1, an ephemeral port).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSpool } from '../../src/sink/webhook.js';
import { createWebhookSink } from '../../src/sink/webhook.js';
import { formatWebhookBody } from '../../src/sink/webhook-format.js';
import { inflightMarkPath } from '../../src/sink/webhook-inflight-mark.js';
import type { Finding } from '../../src/types.js';

function finding(i: number, over: Partial<Finding> = {}): Finding {
  return {
    id: `f-${i.toString(16).padStart(8, '0')}`,
    ts: 1_700_000_000 + i,
    end: 1_700_000_060 + i,
    kind: 'scan.vertical',
    severity: 'medium',
    confidence: 0.7,
    src: '10.0.0.1',
    dst: '10.0.0.2',
    port: null,
    proto: 'tcp',
    detector: 'rule',
    summary: `${20 + i} ports of 10.0.0.2 probed`,
    evidence: { count: 20 + i },
    ...over,
  };
}

interface Received {
  body: string;
  headers: IncomingHttpHeaders;
}

/** A receiver whose status (and body) the test picks per request; keeps what it accepted. */
async function startReceiver(answer: (n: number) => { status: number; body?: string }, port = 0) {
  const accepted: Received[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const a = answer(n++);
      if (a.status >= 200 && a.status < 300) accepted.push({ body: Buffer.concat(parts).toString(), headers: req.headers });
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(a.body ?? '{}');
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/hook`,
    port: address.port,
    accepted,
    requests: () => n,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const fast = { retryBaseMs: 10, retryMaxMs: 40, timeoutMs: 2000 };

describe('webhook spool', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fh-spool-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps undelivered findings on disk across a close while the receiver is down, and the next sink delivers them', async () => {
    const spool = join(dir, 'state.json.webhook-spool');
    const down = await startReceiver(() => ({ status: 503 }));
    const first = createWebhookSink(down.url, { ...fast, spoolPath: spool, closeTimeoutMs: 1500 });
    first.write([finding(1), finding(2), finding(3)]);
    // On disk before write() returned: a SIGKILL now loses nothing.
    expect(readSpool(spool).map((f) => f.id)).toEqual(['f-00000001', 'f-00000002', 'f-00000003']);
    await first.close();
    await down.close();
    expect(first.stats).toMatchObject({ sent: 0, dropped: 0, spooled: 3 });
    expect(down.requests()).toBeGreaterThanOrEqual(1);

    const up = await startReceiver(() => ({ status: 200 }));
    const second = createWebhookSink(up.url, { ...fast, spoolPath: spool });
    expect(second.stats.resumed).toBe(3);
    second.write([finding(4)]);
    await second.close();
    await up.close();
    expect(second.stats).toMatchObject({ sent: 4, dropped: 0, spooled: 0 });
    const ids = up.accepted.flatMap((r) => (JSON.parse(r.body) as Finding[]).map((f) => f.id));
    expect(ids).toEqual(['f-00000001', 'f-00000002', 'f-00000003', 'f-00000004']);
    // Nothing left to send; the spool remembers what it took, so a replay of the same findings adds nothing.
    expect(readSpool(spool)).toEqual([]);
    const third = createWebhookSink(up.url, { ...fast, spoolPath: spool });
    third.write([finding(2), finding(4)]);
    expect(third.pending()).toBe(0);
    await third.close();
  });

  it('a batch left in flight (the receiver took it, no answer was recorded) is sent again by the next sink marked redelivered, in a batch of its own with the redelivery header', async () => {
    const spool = join(dir, 'spool');
    // Takes the body and never answers: the sender dies (here: gives up at close) with the batch in flight.
    let took: (() => void) | null = null;
    const tookBody = new Promise<void>((r) => {
      took = r;
    });
    const silent: Server = createServer((req) => {
      req.resume();
      req.on('end', () => took?.());
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const first = createWebhookSink(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/hook`, { ...fast, spoolPath: spool, closeTimeoutMs: 50 });
    first.write([finding(1), finding(2)]);
    await tookBody;
    first.write([finding(3)]);
    await first.close();
    silent.closeAllConnections();
    await new Promise<void>((r) => silent.close(() => r()));
    expect(existsSync(inflightMarkPath(spool))).toBe(true);

    const up = await startReceiver(() => ({ status: 200 }));
    const second = createWebhookSink(up.url, { ...fast, spoolPath: spool });
    second.write([finding(4)]);
    await second.close();
    await up.close();
    const bodies = up.accepted.map((r) => ({ header: r.headers['x-flowhound-redelivery'], findings: (JSON.parse(r.body) as Finding[]).map((f) => `${f.id}${f.redelivered === true ? ' redelivered' : ''}`) }));
    expect(bodies).toEqual([
      { header: '1', findings: ['f-00000001 redelivered', 'f-00000002 redelivered'] },
      { header: undefined, findings: ['f-00000003', 'f-00000004'] },
    ]);
    expect(existsSync(inflightMarkPath(spool))).toBe(false);
    // EVE carries the flag in the flowhound object, beside update; chat messages say it.
    const eve = JSON.parse(formatWebhookBody('eve', [finding(1, { redelivered: true })])) as { flowhound: Finding };
    expect(eve.flowhound.redelivered).toBe(true);
    expect(formatWebhookBody('slack', [finding(1, { update: true, redelivered: true })])).toContain('(medium) update redelivered');
  });

  it('is bounded: past the limit the oldest are dropped and counted, never silently', async () => {
    const spool = join(dir, 'spool');
    const down = await startReceiver(() => ({ status: 500 }));
    const warnings: string[] = [];
    const sink = createWebhookSink(down.url, { ...fast, spoolPath: spool, maxQueue: 5, closeTimeoutMs: 50, onWarning: (m) => warnings.push(m) });
    sink.write([1, 2, 3, 4].map((i) => finding(i)));
    sink.write([5, 6, 7, 8].map((i) => finding(i)));
    await sink.close();
    await down.close();
    expect(sink.stats.dropped).toBe(3);
    expect(sink.stats.spooled).toBe(5);
    expect(readSpool(spool).map((f) => f.id)).toEqual([4, 5, 6, 7, 8].map((i) => finding(i).id));
    expect(warnings.some((w) => /full \(5 findings\): dropping the oldest/.test(w))).toBe(true);
  });
});

describe('webhook headers and formats', () => {
  it('sends the custom headers (a bearer token)', async () => {
    const rx = await startReceiver(() => ({ status: 200 }));
    const sink = createWebhookSink(rx.url, { ...fast, headers: { Authorization: 'Bearer s3cret', 'X-Tenant': 'soc-1' } });
    sink.write([finding(1)]);
    await sink.close();
    await rx.close();
    expect(rx.accepted).toHaveLength(1);
    expect(rx.accepted[0]!.headers.authorization).toBe('Bearer s3cret');
    expect(rx.accepted[0]!.headers['x-tenant']).toBe('soc-1');
    expect(rx.accepted[0]!.headers['content-type']).toBe('application/json');
  });

  it('eve: Suricata EVE alert lines', async () => {
    const rx = await startReceiver(() => ({ status: 200 }));
    const sink = createWebhookSink(rx.url, { ...fast, format: 'eve' });
    sink.write([finding(1), finding(2, { update: true })]);
    await sink.close();
    await rx.close();
    expect(rx.accepted).toHaveLength(1);
    expect(rx.accepted[0]!.headers['content-type']).toBe('application/x-ndjson');
    const lines = rx.accepted[0]!.body.trimEnd().split('\n').map((l) => JSON.parse(l) as { flowhound: Finding });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ event_type: 'alert', src_ip: '10.0.0.1', dest_ip: '10.0.0.2', proto: 'TCP', alert: { signature_id: 9100001, severity: 2 } });
    expect(lines[0]!.flowhound.id).toBe('f-00000001');
    expect(lines[1]!.flowhound.update).toBe(true);
  });

  it('slack: one message per finding, traffic strings escaped', async () => {
    const rx = await startReceiver(() => ({ status: 200, body: 'ok' }));
    const sink = createWebhookSink(rx.url, { ...fast, format: 'slack' });
    const evil = finding(1, { kind: 'tunnel.dns', summary: '900 unique subdomains of <https://evil.example|click> <!channel>', port: 53, proto: 'udp', evidence: { count: 900 } });
    sink.write([evil, finding(2, { update: true })]);
    await sink.close();
    await rx.close();
    expect(rx.accepted).toHaveLength(2);
    const text = (JSON.parse(rx.accepted[0]!.body) as { text: string }).text;
    expect(text).toContain('*flowhound tunnel.dns* (medium)');
    expect(text).toContain('`10.0.0.1`');
    expect(text).toContain('`10.0.0.2:53/udp`');
    expect(text).toContain('count 900');
    expect(text).toContain('f-00000001');
    expect(text).toContain('&lt;https://evil.example|click&gt; &lt;!channel&gt;');
    expect(text).not.toMatch(/<!channel>|<https:/);
    expect((JSON.parse(rx.accepted[1]!.body) as { text: string }).text).toMatch(/\(medium\) update/);
  });

  it('wecom: markdown messages; an API rate-limit error code is retried, another refuses', async () => {
    // 200 with errcode 45009 (rate limit) first, then ok; the second finding is refused (errcode 40008).
    const answers = [{ status: 200, body: '{"errcode":45009,"errmsg":"api freq out of limit"}' }, { status: 200, body: '{"errcode":0,"errmsg":"ok"}' }, { status: 200, body: '{"errcode":40008,"errmsg":"invalid message type"}' }];
    const rx = await startReceiver((n) => answers[Math.min(n, answers.length - 1)]!);
    const sink = createWebhookSink(rx.url, { ...fast, format: 'wecom' });
    sink.write([finding(1), finding(2)]);
    await sink.close();
    await rx.close();
    expect(sink.stats).toMatchObject({ sent: 1, rejected: 1, retries: 1 });
    const msg = JSON.parse(rx.accepted[1]!.body) as { msgtype: string; markdown: { content: string } };
    expect(msg.msgtype).toBe('markdown');
    expect(msg.markdown.content).toContain('**flowhound scan.vertical** (medium)');
    expect(msg.markdown.content).toContain('count 21');
  });

  it('dingtalk: markdown messages with a title', async () => {
    const rx = await startReceiver(() => ({ status: 200, body: '{"errcode":0,"errmsg":"ok"}' }));
    const sink = createWebhookSink(rx.url, { ...fast, format: 'dingtalk' });
    sink.write([finding(1, { summary: 'a [link](http://x) and **bold**' })]);
    await sink.close();
    await rx.close();
    expect(sink.stats.sent).toBe(1);
    const msg = JSON.parse(rx.accepted[0]!.body) as { msgtype: string; markdown: { title: string; text: string } };
    expect(msg.msgtype).toBe('markdown');
    expect(msg.markdown.title).toBe('flowhound scan.vertical medium');
    expect(msg.markdown.text).toContain('a \\[link\\]\\(http://x\\) and \\*\\*bold\\*\\*');
  });
});
