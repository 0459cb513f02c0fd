/**
 * Findings on JetStream against a real `nats-server -js` started on a free
 * local port: a replay (a second worker process publishing the same
 * findings) leaves no duplicate in the findings stream; a repeat with a
 * grown count is kept. Skipped, saying so, when nats-server is missing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJetStreamFindingsSink, findingMsgId, readJetStreamFindings } from '../../src/scale/jetstream-findings.js';
import { runWatch } from '../../src/cli/watch.js';
import type { Finding } from '../../src/types.js';
import { haveNatsServer, startNatsServer, type TestNatsServer } from '../helpers/nats-server.js';
import { connLogHeader, scanLines } from '../watch/conn-log-lines.js';

if (!haveNatsServer) console.warn('SKIPPED: nats-server is not installed (apt-get install nats-server): the JetStream tests did not run');
const describeNats = haveNatsServer ? describe : describe.skip;

function finding(id: string, count: number): Finding {
  return { id, ts: 1795330000, end: 1795330010, kind: 'scan.vertical', severity: 'high', confidence: 0.9, src: '10.0.0.66', dst: '10.0.0.20', port: null, proto: 'tcp', detector: 'rule', summary: `${count} ports`, evidence: { count } };
}

describeNats('findings on JetStream (real nats-server)', () => {
  let server: TestNatsServer;
  let dir = '';
  let url = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowhound-nats-logs-'));
    server = await startNatsServer();
    url = server.url;
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a replay publishes nothing twice; a grown repeat is kept', async () => {
    const stream = 'FH_TEST_FINDINGS';
    const first = [finding('f-aaaa0001', 20), finding('f-aaaa0002', 1), finding('f-aaaa0003', 30)];
    const a = await createJetStreamFindingsSink({ servers: url, stream });
    a.write(first);
    await a.close();
    expect(a.stats).toEqual({ published: 3, duplicates: 0 });

    // A restarted worker replays the same input: same findings, then one grows.
    const b = await createJetStreamFindingsSink({ servers: url, stream });
    b.write(first);
    b.write([finding('f-aaaa0001', 400)]);
    await b.close();
    expect(b.stats).toEqual({ published: 1, duplicates: 3 });

    const stored = await readJetStreamFindings({ servers: url, stream });
    const ids = stored.map(findingMsgId);
    expect(ids.sort()).toEqual(['f-aaaa0001#c20', 'f-aaaa0001#c400', 'f-aaaa0002', 'f-aaaa0003#c30']);
    expect(stored.find((f) => f.id === 'f-aaaa0002')?.kind).toBe('scan.vertical');
  }, 60_000);

  it('watch --findings-nats: a second run over the same log (a replay) adds nothing to the findings stream', async () => {
    const stream = 'FH_TEST_WATCH';
    const log = join(dir, 'conn.log');
    writeFileSync(log, connLogHeader() + scanLines(1_795_000_000, '10.30.0.66', '10.30.0.20', 40).join(''));
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, signal: new AbortController().signal };
    const args = { target: log, model: false, lateness: 5, 'poll-ms': 20, 'idle-flush': 0, 'exit-idle': 0.5, 'max-invalid': 25, quiet: true, 'findings-nats': url, 'findings-stream': stream };
    expect(await runWatch(args, io)).toBe(0);
    const once = await readJetStreamFindings({ servers: url, stream });
    expect(once.map((f) => f.kind)).toContain('scan.vertical');
    expect(await runWatch(args, io)).toBe(0);
    const twice = await readJetStreamFindings({ servers: url, stream });
    expect(twice.map(findingMsgId).sort()).toEqual(once.map(findingMsgId).sort());
  }, 60_000);
});
