import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebhookSink } from '../../src/sink/webhook.js';
import type { Finding } from '../../src/types.js';

function finding(i: number): Finding {
  return {
    id: `f-${i.toString(16).padStart(8, '0')}`,
    ts: 1000 + i,
    end: 1001 + i,
    kind: 'scan.vertical',
    severity: 'medium',
    confidence: 0.7,
    src: '10.0.0.1',
    dst: '10.0.0.2',
    port: null,
    proto: 'tcp',
    detector: 'rule',
    summary: `finding ${i}`,
    evidence: { count: 20 },
  };
}

/** A local receiver on 127.0.0.1 whose answer the test sets per request. */
async function startReceiver(answer: (n: number) => number): Promise<{ url: string; bodies: unknown[][]; close: () => Promise<void>; requests: () => number }> {
  const bodies: unknown[][] = [];
  let n = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const status = answer(n++);
      if (status >= 200 && status < 300) bodies.push(JSON.parse(Buffer.concat(parts).toString()) as unknown[]);
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    requests: () => n,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('createWebhookSink', () => {
  it('POSTs findings as a JSON array in the finding shape', async () => {
    const rx = await startReceiver(() => 200);
    const sink = createWebhookSink(rx.url);
    sink.write([finding(1), finding(2)]);
    await sink.close();
    await rx.close();
    expect(sink.stats).toMatchObject({ sent: 2, dropped: 0, rejected: 0 });
    const all = rx.bodies.flat() as Finding[];
    expect(all.map((f) => f.id)).toEqual(['f-00000001', 'f-00000002']);
    expect(Object.keys(all[0] as object)).toEqual(['id', 'ts', 'end', 'kind', 'severity', 'confidence', 'src', 'dst', 'port', 'proto', 'detector', 'summary', 'evidence']);
  });

  it("sends a finding stdout's replay marks redelivered as new: only the spool's own in-flight mark makes a webhook redelivery", async () => {
    const rx = await startReceiver(() => 200);
    const sink = createWebhookSink(rx.url);
    sink.write([{ ...finding(1), redelivered: true }]);
    await sink.close();
    await rx.close();
    expect(rx.bodies.flat()).toEqual([finding(1)]);
  });

  it('retries a 503 with backoff and delivers in order', async () => {
    const rx = await startReceiver((n) => (n < 2 ? 503 : 200));
    const warnings: string[] = [];
    const sink = createWebhookSink(rx.url, { retryBaseMs: 10, onWarning: (m) => warnings.push(m) });
    sink.write([finding(1)]);
    sink.write([finding(2)]);
    await sink.close();
    await rx.close();
    expect(sink.stats.sent).toBe(2);
    expect(sink.stats.retries).toBe(2);
    expect((rx.bodies.flat() as Finding[]).map((f) => f.id)).toEqual(['f-00000001', 'f-00000002']);
    expect(warnings[0]).toContain('HTTP 503');
  });

  it('drops a batch the receiver refuses (400) and goes on', async () => {
    const rx = await startReceiver((n) => (n === 0 ? 400 : 200));
    const sink = createWebhookSink(rx.url, { batchSize: 1 });
    sink.write([finding(1), finding(2)]);
    await sink.close();
    await rx.close();
    expect(sink.stats).toMatchObject({ sent: 1, rejected: 1 });
  });

  it('keeps a bounded queue while the receiver is down, dropping the oldest, and never blocks write', async () => {
    // A port with nothing listening: connection refused.
    const rx = await startReceiver(() => 200);
    const url = rx.url;
    await rx.close();
    const warnings: string[] = [];
    const sink = createWebhookSink(url, { maxQueue: 10, retryBaseMs: 5, retryMaxMs: 20, closeTimeoutMs: 100, onWarning: (m) => warnings.push(m) });
    for (let i = 0; i < 100; i++) sink.write([finding(i)]);
    expect(sink.pending()).toBeLessThanOrEqual(10);
    await sink.close();
    expect(sink.stats.sent).toBe(0);
    expect(sink.stats.dropped).toBe(100);
    // Once per run of failures, once per run of drops: not a line per finding.
    expect(warnings.filter((w) => w.includes('retrying'))).toHaveLength(1);
    expect(warnings.filter((w) => w.includes('dropping the oldest'))).toHaveLength(1);
    expect(warnings).toHaveLength(2);
  });
});
