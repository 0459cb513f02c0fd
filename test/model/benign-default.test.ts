/**
 * Issue 10 "what it must show" 1: with default settings (no --model), analyze
 * reports no baseline.deviation on any benign capture or log of
 * ../shared/data (every file MANIFEST.md marks benign) nor on the lab's
 * benign captures, and the run summary says which baseline judged (or why
 * none did). Also: --scores writes the windows the self-baseline judged.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { runAnalyze } from '../../src/cli/analyze.js';
import { describeWithSharedData, sharedData } from '../helpers/shared-data.js';

const BENIGN = [
  'StratosphereLinuxIPS/dataset/test-cc/test-cc-capture-1.pcap',
  'StratosphereLinuxIPS/dataset/test-cc/test-cc-capture-2.pcap',
  'StratosphereLinuxIPS/dataset/test9-mixed-zeek-dir/dns.log',
  'StratosphereLinuxIPS/dataset/test10-mixed-zeek-dir/conn.log',
  'StratosphereLinuxIPS/dataset/test10-mixed-zeek-dir/dns.log',
  'StratosphereLinuxIPS/dataset/test18-malicious-ctu-sme-11-win/zeek-labeled/dns.log.labeled',
  'rita/test_data/proxy/conn.log',
  'rita/test_data/proxy/dns.log',
  'zeek/testing/btest/Traces/echo-connections.pcap',
  'zeek/testing/btest/Traces/icmp/5-pings.pcap',
  'zeek/testing/btest/Traces/icmp/icmp-ping.pcap',
  'zeek/testing/btest/Traces/icmp/icmp6-ping.pcap',
  'zeek/testing/btest/Traces/tunnels/ping6-in-ipv4.pcap',
  'zeek/testing/btest/Traces/wikipedia.pcap',
  'zeek/testing/btest/Traces/web.pcap',
  'zeek/testing/btest/Traces/workshop_2011_browse.pcap',
  'zeek/testing/btest/Traces/var-services-std-ports.pcap',
  'zeek/testing/btest/Traces/dns/long-connection.pcap',
  'zeek/testing/btest/Traces/ticks-dns-1hr.pcap',
  'zeek/testing/btest/Traces/dns-txt-multiple.pcap',
  'zeek/testing/btest/Traces/pcapng-multi-interface.pcapng',
  'tcpdump/tests/dns_udp.pcap',
  'tcpdump/tests/dns_tcp.pcap',
  'zed-sample-data/zeek-default/dns.log',
  'fuh/nids-daten/sampled_CICIDS2017_improved_rnd_2500/BENIGN_2500.csv',
];
const LAB = join(process.cwd(), 'fixtures', 'lab');
const LAB_BENIGN = existsSync(LAB) ? readdirSync(LAB).filter((f) => /^benign-\d+\.pcap$/.test(f)).map((f) => join(LAB, f)) : [];

function capture() {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: {
        write(s: string) {
          out += s;
          return true;
        },
      },
      stderr: {
        write(s: string) {
          err += s;
          return true;
        },
      },
      stdoutIsTty: false,
    },
    kinds: () => out.trim().split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { kind: string }).kind),
    err: () => err,
  };
}

async function analyzeDefault(file: string, extra: Record<string, unknown> = {}): Promise<{ kinds: string[]; summary: string }> {
  const c = capture();
  await runAnalyze({ inputs: [file], 'max-invalid': 25, ...extra }, c.io);
  return { kinds: c.kinds(), summary: c.err() };
}

describeWithSharedData('analyze with default settings on benign third-party traffic', () => {
  it('reports no baseline.deviation on any file the manifest marks benign, and says which baseline judged', async () => {
    const rows: string[] = [];
    let selfBaselines = 0;
    for (const rel of BENIGN) {
      const { kinds, summary } = await analyzeDefault(sharedData(rel));
      const model = summary.split('\n').find((l) => l.startsWith('  model:'))!;
      rows.push(`${kinds.filter((k) => k === 'baseline.deviation').length}  ${rel}: ${model.trim()}`);
      expect(kinds).not.toContain('baseline.deviation');
      expect(model).toMatch(/model: +(self-baseline learned from the input's first 50 %|rules only: the input is too short for a self-baseline|rules only: no port is active often enough for a self-baseline|self-baseline: no windows)/);
      if (/self-baseline learned/.test(model)) selfBaselines++;
    }
    console.log(rows.join('\n'));
    expect(selfBaselines).toBeGreaterThanOrEqual(3); // the long inputs do get a self-baseline
  });
});

describe('analyze with default settings on the lab benign captures', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'flowhound-scores-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('reports no baseline.deviation, and --scores writes the judged windows', async () => {
    expect(LAB_BENIGN.length).toBeGreaterThanOrEqual(4);
    for (const f of LAB_BENIGN) expect((await analyzeDefault(f)).kinds).not.toContain('baseline.deviation');
    // The four captures together are long enough for a self-baseline.
    const scores = join(tmp, 'scores.arrow');
    const c = capture();
    await runAnalyze({ inputs: LAB_BENIGN, 'max-invalid': 25, scores }, c.io);
    expect(c.kinds()).not.toContain('baseline.deviation');
    expect(c.err()).toMatch(/model: +self-baseline learned from the input's first 50 %/);
    const table = tableFromIPC(readFileSync(scores));
    expect(table.numRows).toBeGreaterThan(10);
    const names = table.schema.fields.map((x) => x.name);
    for (const col of ['window_start_sec', 'proto', 'port', 'status', 'alarm', 'ratio', 'worst_feature', 'worst_z', 'worst_threshold', 'bytes_out']) expect(names).toContain(col);
    const status = table.getChild('status')!.toArray() as string[];
    const judged = status.filter((x) => x === 'judged' || x === 'judged-class').length;
    expect(judged).toBeGreaterThan(0);
    expect(c.err()).toContain(`${judged} windows judged, 0 alarmed`);
  });
});
