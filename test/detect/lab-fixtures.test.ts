/**
 * The lab captures (fixtures/lab/*.pcap, made with nmap, hping3, iodine,
 * ptunnel-ng in network namespaces) against their ground truth
 * (*.truth.json): every expected finding appears with its source,
 * destination, port (and DNS domain); no kind listed in `expectNone`
 * appears; a capture that expects nothing yields no findings at all.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeFiles, describeFindings } from './analyze-files.js';

interface Truth {
  capture: string;
  description: string;
  expected: { kind: string; src?: string | null; dst?: string | null; port?: number | null; domain?: string }[];
  expectNone?: string[];
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
    const findings = await analyzeFiles([join(LAB, truth.capture)]);
    const seen = describeFindings(findings);
    for (const e of truth.expected) {
      const match = findings.find(
        (f) =>
          f.kind === e.kind &&
          (e.src === undefined || f.src === e.src) &&
          (e.dst === undefined || e.dst === null || f.dst === e.dst) &&
          (e.port === undefined || e.port === null || f.port === e.port) &&
          (e.domain === undefined || (typeof f.evidence.domain === 'string' && e.domain.endsWith(f.evidence.domain))),
      );
      expect({ expected: e, found: match ? 'yes' : 'no', seen }).toMatchObject({ found: 'yes' });
    }
    for (const kind of truth.expectNone ?? []) {
      expect({ kind, seen: seen.filter((s) => s.startsWith(`${kind} `)) }).toEqual({ kind, seen: [] });
    }
    if (truth.expected.length === 0) expect(seen).toEqual([]);
  });
});
