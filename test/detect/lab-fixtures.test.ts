/**
 * The lab captures (fixtures/lab/*.pcap, made with nmap, hping3, iodine,
 * ptunnel-ng in network namespaces) against their ground truth
 * (*.truth.json): every expected finding appears with its source,
 * destination, port (and protocol, DNS domain); no kind listed in `expectNone`
 * appears, nor any finding listed in `notExpected`; a capture that expects
 * nothing yields no findings at all. A capture with a `<name>.rules.yaml`
 * beside it is analyzed with that rules file (as `--rules` does).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { defaultPolicyRules } from '../../src/detect/default-policy.js';
import { combineRules, loadRulesFile } from '../../src/detect/policy-rules.js';
import { analyzeFiles, describeFindings } from './analyze-files.js';

interface Truth {
  capture: string;
  description: string;
  /** `probe`: a scan's probe type in evidence.probeTypes; `sources`: every source a distributed scan must name. */
  expected: { kind: string; src?: string | null; dst?: string | null; port?: number | null; proto?: string; domain?: string; probe?: string; sources?: string[] }[];
  expectNone?: string[];
  notExpected?: { kind: string; src?: string; dst?: string; port?: number; proto?: string }[];
  /** No finding beyond the expected ones. */
  exclusive?: boolean;
}

const LAB = join(process.cwd(), 'fixtures', 'lab');
const truths = existsSync(LAB)
  ? readdirSync(LAB)
      .filter((f) => f.endsWith('.truth.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(LAB, f), 'utf8')) as Truth)
      .filter((t) => existsSync(join(LAB, t.capture)))
  : [];

describe('lab fixtures against their ground truth', () => {
  it('has lab fixtures to check', () => {
    expect(truths.length).toBeGreaterThan(0);
  });

  it.each(truths.map((t) => [t.capture, t] as const))('%s', async (_name, truth) => {
    const rulesFile = join(LAB, truth.capture.replace(/\.pcap$/, '.rules.yaml'));
    const rules = existsSync(rulesFile) ? combineRules(defaultPolicyRules(), loadRulesFile(rulesFile)) : defaultPolicyRules();
    const findings = await analyzeFiles([join(LAB, truth.capture)], DEFAULT_SETTINGS, rules);
    const seen = describeFindings(findings);
    const matches = (e: Truth['expected'][number]) =>
      findings.filter(
        (f) =>
          f.kind === e.kind &&
          (e.src === undefined || f.src === e.src) &&
          (e.dst === undefined || e.dst === null || f.dst === e.dst) &&
          (e.port === undefined || e.port === null || f.port === e.port) &&
          (e.proto === undefined || f.proto === e.proto) &&
          (e.domain === undefined || (typeof f.evidence.domain === 'string' && e.domain.endsWith(f.evidence.domain))) &&
          (e.probe === undefined || ((f.evidence.probeTypes as Record<string, number> | undefined)?.[e.probe] ?? 0) > 0) &&
          (e.sources === undefined || e.sources.every((src) => (f.evidence.sources as string[] | undefined)?.includes(src))),
      );
    for (const e of truth.expected) {
      expect({ expected: e, found: matches(e).length > 0 ? 'yes' : 'no', seen }).toMatchObject({ found: 'yes' });
    }
    if (truth.exclusive) {
      const explained = new Set(truth.expected.flatMap((e) => matches(e)));
      expect(describeFindings(findings.filter((f) => !explained.has(f)))).toEqual([]);
    }
    for (const kind of truth.expectNone ?? []) {
      expect({ kind, seen: seen.filter((s) => s.startsWith(`${kind} `)) }).toEqual({ kind, seen: [] });
    }
    for (const n of truth.notExpected ?? []) {
      const hit = findings.filter(
        (f) =>
          f.kind === n.kind &&
          (n.src === undefined || f.src === n.src) &&
          (n.dst === undefined || f.dst === n.dst) &&
          (n.port === undefined || f.port === n.port) &&
          (n.proto === undefined || f.proto === n.proto),
      );
      expect({ notExpected: n, seen: describeFindings(hit) }).toEqual({ notExpected: n, seen: [] });
    }
    if (truth.expected.length === 0) expect(seen).toEqual([]);
  });
});
