/**
 * The lab captures as flow exports (fixtures/exports: Argus `ra` CSV and
 * nfdump CSV, made from the same captures by scripts/make-flow-exports.sh)
 * against the captures' truth files: the scans are found from the exports
 * too, and the benign exports give no findings at all. NetFlow records are
 * unidirectional, which is what these check beyond the captures.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeFiles, describeFindings } from './analyze-files.js';

interface Truth {
  capture: string;
  expected: { kind: string; src?: string | null; dst?: string | null; port?: number | null }[];
  expectNone?: string[];
}

const EXPORTS = join(process.cwd(), 'fixtures', 'exports');
const LAB = join(process.cwd(), 'fixtures', 'lab');

function truthFor(exportName: string): Truth | null {
  if (!existsSync(LAB)) return null;
  for (const f of readdirSync(LAB).filter((n) => n.endsWith('.truth.json'))) {
    const base = f.replace(/\.truth\.json$/, '');
    if (exportName.endsWith(`-${base}.csv`) || exportName.endsWith(`-${base}-wide.csv`)) return JSON.parse(readFileSync(join(LAB, f), 'utf8')) as Truth;
  }
  return null;
}

const cases = existsSync(EXPORTS)
  ? readdirSync(EXPORTS)
      .filter((f) => f.endsWith('.csv'))
      .sort()
      .map((f) => [f, truthFor(f)] as const)
      .filter((c): c is readonly [string, Truth] => c[1] !== null)
  : [];

/** Kinds a flow export can show (no DNS names, no packets). */
const FLOW_KINDS = ['scan.vertical', 'scan.horizontal', 'tunnel.icmp'];

describe('flow exports of the lab captures', () => {
  it('has exports to check', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases)('%s', async (file, truth) => {
    const findings = await analyzeFiles([join(EXPORTS, file)]);
    const seen = describeFindings(findings);
    for (const e of truth.expected.filter((x) => FLOW_KINDS.includes(x.kind))) {
      const hit = findings.some((f) => f.kind === e.kind && (e.src == null || f.src === e.src) && (e.dst == null || f.dst === e.dst) && (e.port == null || f.port === e.port));
      expect({ expected: e, hit, seen }).toMatchObject({ hit: true });
    }
    for (const kind of truth.expectNone ?? []) expect(seen.filter((s) => s.startsWith(`${kind} `))).toEqual([]);
    if (truth.expected.length === 0) expect(seen).toEqual([]);
  });
});
