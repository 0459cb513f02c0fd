/**
 * The new detections read from flow logs too: each lab capture written as a
 * Zeek conn.log by the flow tracker (`flowhound flows`), then analyzed as a
 * log — no packet sizes, no first-packet flags, no ARP. What changes is said:
 * the 2012 rule reads bytes / packets (a mean the ACKs dilute, so the
 * capture's per-packet reading is the one that sees the 1448-byte echo),
 * stealth probe types come from the history letters (Zeek's F covers FIN,
 * Xmas and Maimon).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { defaultPolicyRules } from '../../src/detect/default-policy.js';
import { combineRules, loadRulesFile } from '../../src/detect/policy-rules.js';
import { runFlows } from '../helpers/run-flows.js';
import { analyzeFiles, describeFindings } from './analyze-files.js';

const LAB = join(process.cwd(), 'fixtures', 'lab');
const dir = mkdtempSync(join(tmpdir(), 'flowhound-lab-conn-'));

async function asConnLog(capture: string): Promise<string> {
  const { stdout } = await runFlows([join(LAB, capture)]);
  const path = join(dir, capture.replace(/\.pcap$/, '.conn.log'));
  writeFileSync(path, stdout);
  return path;
}

describe('lab captures as Zeek conn.logs', () => {
  it('beacon: c2.beacon for 10.77.0.10 → 10.77.0.88:8000 and nothing else with the allow rules', async () => {
    const rules = combineRules(defaultPolicyRules(), loadRulesFile(join(LAB, 'beacon.rules.yaml')));
    const found = await analyzeFiles([await asConnLog('beacon.pcap')], DEFAULT_SETTINGS, rules);
    expect(describeFindings(found)).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'c2.beacon', src: '10.77.0.10', dst: '10.77.0.88', port: 8000 });
  });

  it('policy-2012: the conn.log reading (bytes / packets) is the mean, which the echo\'s ACKs dilute under 1024 B: no data_leakage either way', async () => {
    const log = await asConnLog('policy-2012.pcap');
    const found = await analyzeFiles([log]);
    expect(describeFindings(found.filter((f) => f.kind === 'policy.data_leakage'))).toEqual([]);
    // The 1448-byte echo: 85000 B in 88 responder packets (about 59 of data, the rest pure ACKs) = 966 B a packet.
    const rows = readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('\t2012\ttcp\t'));
    const means = rows.map((l) => l.split('\t')).map((c) => Math.round(Number(c[10]) / Number(c[18])));
    expect(means.every((m) => m < 1024)).toBe(true);
    expect(found.filter((f) => f.kind === 'policy.risky_port')).toHaveLength(2);
  });

  it('scan-stealth: the six stealth scans, probe types from the history letters', async () => {
    const found = await analyzeFiles([await asConnLog('scan-stealth.pcap')]);
    const types = Object.fromEntries(found.filter((f) => f.kind === 'scan.vertical').map((f) => [f.dst, Object.keys(f.evidence.probeTypes as object)]));
    expect(types).toEqual({ '10.77.0.20': ['fin'], '10.77.0.30': ['null'], '10.77.0.101': ['fin'], '10.77.0.102': ['ack'], '10.77.0.103': ['fin'], '10.77.0.104': ['ack'] });
  });

  it('scan-distributed and midstream: the campaign with its five sources; nothing from the pickups', async () => {
    const dist = await analyzeFiles([await asConnLog('scan-distributed.pcap')]);
    expect(dist.map((f) => [f.kind, f.evidence.sources])).toEqual([['scan.distributed', ['10.77.0.61', '10.77.0.62', '10.77.0.63', '10.77.0.64', '10.77.0.65']]]);
    expect(describeFindings(await analyzeFiles([await asConnLog('midstream.pcap')]))).toEqual([]);
  });
});
