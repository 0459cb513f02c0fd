/**
 * Measures how closely the flow tracker reproduces Zeek's conn.log on the
 * (trace, baseline) pairs of ../shared/data/zeek-conformance.
 *
 * For each trace directory:
 * 1. run capture ingest (decoder + flow tracker) on trace.pcap / trace.pcapng;
 * 2. read Zeek's conn.log there (ts is masked by Zeek's test harness);
 * 3. match connections as a multiset of 5-tuples (orig_h, orig_p, resp_h,
 *    resp_p, proto), with ts within 1 s where the baseline has a ts; among
 *    several candidates with the same tuple, the one agreeing on the most
 *    compared fields is taken. Baselines cut down to a few columns without
 *    addresses (zeek-cut -m) are paired in order when the counts agree;
 * 4. compare conn_state, history, orig/resp packets, IP bytes, payload
 *    bytes, missed bytes and ip_proto of matched pairs.
 *
 * Checksums are verified for the traces Zeek ran without `-C` (read from
 * MANIFEST.md), as Zeek did.
 *
 * Traces that need what the decoder does not do (Teredo decapsulation, IP
 * fragment reassembly under a tunnel) are reported as out of scope, named
 * with the reason, and counted on their own line.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openByteSource } from '../io/byte-source.js';
import { readCaptureRecords } from '../ingest/capture-ingest.js';
import type { FlowTrackerOptions } from '../ingest/flow-tracker/flow-tracker.js';
import type { FlowRecord } from '../types.js';
import { type BaselineRow, readBaselineConnLog } from './read-baseline-conn-log.js';

export interface FieldMismatch {
  tuple: string;
  field: string;
  zeek: string;
  ours: string;
}

/** The connection counts compared per trace and summed over traces. */
export interface ConformanceCounts {
  zeekRows: number;
  ourRows: number;
  matched: number;
  connStateAgree: number;
  historyAgree: number;
  /** orig_pkts and resp_pkts both equal. */
  pktsAgree: number;
  /** orig_ip_bytes and resp_ip_bytes both equal. */
  ipBytesAgree: number;
  /** orig_bytes and resp_bytes both equal (unset counts as equal to unset). */
  bytesAgree: number;
  missedBytesAgree: number;
  /** ip_proto equal (counted where the baseline has the column, Zeek 7 and later). */
  ipProtoAgree: number;
  /**
   * tunnel_parents agree: each of Zeek's parent uids is, for a connection Zeek logged, the uid of the
   * connection of ours matched with it, and otherwise (an IP tunnel's uid, in Zeek's tunnel.log) the
   * same one of our tunnel uids wherever Zeek names that tunnel; none where Zeek has none.
   */
  tunnelParentsAgree: number;
}

export interface TraceConformance extends ConformanceCounts {
  name: string;
  /** Why the trace is out of scope, or null. */
  outOfScope: string | null;
  /** Set when the trace could not be run (the message). */
  error: string | null;
  /** True when the baseline has no address columns and rows were paired in order. */
  pairedByOrder: boolean;
  mismatches: FieldMismatch[];
  /** 5-tuples of baseline rows with no match, and of our records left over (at most 20 each). */
  unmatchedZeek: string[];
  unmatchedOurs: string[];
}

export interface ConformanceTotals extends ConformanceCounts {
  traces: number;
}

export interface ConformanceReport {
  traces: TraceConformance[];
  inScope: ConformanceTotals;
  outOfScope: ConformanceTotals;
}

/**
 * Traces whose connections the decoder cannot reach (Teredo). IP-in-IP,
 * GRE, ERSPAN, PPTP's GRE, VXLAN, Geneve, GRE-in-UDP, GTP-U and AYIYA are
 * decapsulated, and IP fragments reassembled (GTP-U in fragmented packets),
 * so their traces are in scope.
 */
const TUNNEL_TRACES: Record<string, string> = {
  'core.tunnels.teredo': 'Teredo decapsulation is not implemented',
};

const MAX_MISMATCHES_PER_TRACE = 20;

/** Runs every trace directory under `rootDir` (sorted by name). */
export async function runZeekConformance(rootDir: string): Promise<ConformanceReport> {
  const names = readdirSync(rootDir)
    .filter((n) => statSync(join(rootDir, n)).isDirectory())
    .sort();
  const ignoreChecksums = readIgnoreChecksums(join(rootDir, 'MANIFEST.md'));
  const traces: TraceConformance[] = [];
  for (const name of names) traces.push(await runConformanceTrace(join(rootDir, name), name, { verifyChecksums: !ignoreChecksums.has(name) }));
  return {
    traces,
    inScope: sumTraces(traces.filter((t) => t.outOfScope === null)),
    outOfScope: sumTraces(traces.filter((t) => t.outOfScope !== null)),
  };
}

/**
 * The tests whose Zeek run used `-C` (ignore checksums), from the mode column
 * of MANIFEST.md's pairs table; flowhound verifies checksums for the others,
 * as Zeek did. Without a MANIFEST.md every trace is run with `-C` semantics.
 */
export function readIgnoreChecksums(manifestPath: string): Set<string> {
  const out = new Set<string>();
  if (!existsSync(manifestPath)) return out;
  for (const line of readFileSync(manifestPath, 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    // | # | `test` | trace | exec | mode; scripts | ...
    const name = /^`([^`]+)`$/.exec(cells[2] ?? '')?.[1];
    if (name !== undefined && /(^|[ ,])-C([;, ]|$)/.test(cells[5] ?? '')) out.add(name);
  }
  return out;
}

/** The `error` of a sub-folder that does not hold a (trace, conn.log) pair. */
export const NO_PAIR_ERROR = 'no trace.pcap/trace.pcapng or conn.log';

/** Every count at 0. */
function zeroCounts(): ConformanceCounts {
  return {
      zeekRows: 0,
      ourRows: 0,
      matched: 0,
      connStateAgree: 0,
      historyAgree: 0,
      pktsAgree: 0,
      ipBytesAgree: 0,
      bytesAgree: 0,
      missedBytesAgree: 0,
      ipProtoAgree: 0,
      tunnelParentsAgree: 0,
  };
}

export async function runConformanceTrace(dir: string, name: string, tracker: FlowTrackerOptions = {}): Promise<TraceConformance> {
  const result: TraceConformance = {
    name,
    outOfScope: TUNNEL_TRACES[name] ?? null,
    error: null,
    ...zeroCounts(),
    pairedByOrder: false,
    mismatches: [],
    unmatchedZeek: [],
    unmatchedOurs: [],
  };
  const trace = ['trace.pcap', 'trace.pcapng'].map((f) => join(dir, f)).find((p) => existsSync(p));
  const logPath = join(dir, 'conn.log');
  if (trace === undefined || !existsSync(logPath)) {
    result.error = NO_PAIR_ERROR;
    return result;
  }
  const baseline = readBaselineConnLog(logPath);
  result.zeekRows = baseline.rows.length;
  const flows: FlowRecord[] = [];
  try {
    const source = await openByteSource(trace);
    for await (const batch of readCaptureRecords(source, { maxInvalid: 25, onWarning: () => {}, flowTracker: tracker })) flows.push(...batch.flows);
  } catch (e) {
    result.error = (e as Error).message;
    return result;
  }
  flows.sort((a, b) => a.ts - b.ts);
  result.ourRows = flows.length;

  const hasTuple = baseline.columns.includes('id.orig_h') && baseline.columns.includes('proto');
  const pairs: [BaselineRow, FlowRecord][] = [];
  if (!hasTuple) {
    result.pairedByOrder = true;
    if (flows.length === baseline.rows.length) {
      baseline.rows.forEach((row, i) => {
        pairs.push([row, flows[i]!]);
      });
    }
  } else {
    const byTuple = new Map<string, FlowRecord[]>();
    for (const f of flows) {
      const k = tupleOf(f.origH, f.origP, f.respH, f.respP, f.proto);
      const list = byTuple.get(k);
      if (list) list.push(f);
      else byTuple.set(k, [f]);
    }
    for (const row of baseline.rows) {
      const k = tupleOf(row['id.orig_h'] ?? '', Number(row['id.orig_p']), row['id.resp_h'] ?? '', Number(row['id.resp_p']), row.proto ?? '');
      const candidates = byTuple.get(k);
      if (!candidates || candidates.length === 0) {
        if (result.unmatchedZeek.length < MAX_MISMATCHES_PER_TRACE) result.unmatchedZeek.push(k);
        continue;
      }
      const ts = row.ts === null || row.ts === undefined ? null : Number(row.ts);
      let best = -1;
      let bestScore = -1;
      candidates.forEach((f, i) => {
        if (ts !== null && Math.abs(f.ts - ts) > 1) return;
        const score = compareFields(row, f).filter((c) => c.equal).length;
        if (score > bestScore) {
          best = i;
          bestScore = score;
        }
      });
      if (best < 0) {
        if (result.unmatchedZeek.length < MAX_MISMATCHES_PER_TRACE) result.unmatchedZeek.push(k);
        continue;
      }
      pairs.push([row, candidates[best]!]);
      candidates.splice(best, 1);
    }
    for (const [k, left] of byTuple) {
      for (let i = 0; i < left.length && result.unmatchedOurs.length < MAX_MISMATCHES_PER_TRACE; i++) result.unmatchedOurs.push(k);
    }
  }
  // Zeek's uid → ours, for the matched connections; Zeek's tunnel uids (not connections) → ours, as first seen.
  const connUid = new Map<string, string>();
  for (const [row, f] of pairs) if (row.uid) connUid.set(row.uid, f.uid);
  const ourConnUids = new Set(flows.map((f) => f.uid));
  const tunnelUid = new Map<string, string>();
  const parentsAgree = (row: BaselineRow, f: FlowRecord): FieldCheck | null => {
    if (!('tunnel_parents' in row)) return null;
    const zeek = row.tunnel_parents ? row.tunnel_parents.split(',') : [];
    const ours = f.tunnelParents ?? [];
    const shown = { field: 'tunnel_parents', zeek: zeek.join(',') || '-', ours: ours.join(',') || '-' };
    if (zeek.length !== ours.length) return { ...shown, equal: false };
    const left = new Set(ours);
    for (const z of zeek) {
      let want = connUid.get(z);
      if (want === undefined) {
        // A tunnel Zeek logged in tunnel.log: the one of our tunnel uids (not a connection's) left to pair.
        want = tunnelUid.get(z) ?? [...left].find((u) => !ourConnUids.has(u));
        if (want !== undefined && !tunnelUid.has(z)) tunnelUid.set(z, want);
      }
      if (want === undefined || !left.delete(want)) return { ...shown, equal: false };
    }
    return { ...shown, equal: true };
  };
  for (const [row, f] of pairs) {
    result.matched++;
    const parents = parentsAgree(row, f);
    if (parents === null || parents.equal) result.tunnelParentsAgree++;
    else if (result.mismatches.length < MAX_MISMATCHES_PER_TRACE) {
      result.mismatches.push({ tuple: tupleOf(f.origH, f.origP, f.respH, f.respP, f.proto), field: 'tunnel_parents', zeek: parents.zeek, ours: parents.ours });
    }
    const checks = compareFields(row, f);
    const ok = (field: string) => checks.find((c) => c.field === field)?.equal ?? true;
    if (ok('conn_state')) result.connStateAgree++;
    if (ok('history')) result.historyAgree++;
    if (ok('orig_pkts') && ok('resp_pkts')) result.pktsAgree++;
    if (ok('orig_ip_bytes') && ok('resp_ip_bytes')) result.ipBytesAgree++;
    if (ok('orig_bytes') && ok('resp_bytes')) result.bytesAgree++;
    if (ok('missed_bytes')) result.missedBytesAgree++;
    if (ok('ip_proto')) result.ipProtoAgree++;
    for (const c of checks) {
      if (!c.equal && result.mismatches.length < MAX_MISMATCHES_PER_TRACE) {
        result.mismatches.push({ tuple: tupleOf(f.origH, f.origP, f.respH, f.respP, f.proto), field: c.field, zeek: c.zeek, ours: c.ours });
      }
    }
  }
  return result;
}

interface FieldCheck {
  field: string;
  equal: boolean;
  zeek: string;
  ours: string;
}

/** Compares the fields the baseline has (columns cut away by zeek-cut are skipped). */
function compareFields(row: BaselineRow, f: FlowRecord): FieldCheck[] {
  const ours: Record<string, string> = {
    conn_state: f.connState ?? '-',
    history: f.history ?? '-',
    orig_pkts: String(f.origPkts),
    resp_pkts: String(f.respPkts),
    orig_ip_bytes: String(f.origIpBytes),
    resp_ip_bytes: String(f.respIpBytes),
    orig_bytes: f.origBytes === null ? '-' : String(f.origBytes),
    resp_bytes: f.respBytes === null ? '-' : String(f.respBytes),
    missed_bytes: String(f.missedBytes),
    ip_proto: f.ipProto !== undefined && f.ipProto >= 0 ? String(f.ipProto) : '-',
  };
  const out: FieldCheck[] = [];
  for (const field of Object.keys(ours)) {
    if (!(field in row)) continue;
    const z = row[field] ?? '-';
    const o = ours[field]!;
    out.push({ field, equal: z === o, zeek: z, ours: o });
  }
  return out;
}

function tupleOf(origH: string, origP: number, respH: string, respP: number, proto: string): string {
  return `${origH}:${origP} > ${respH}:${respP}/${proto}`;
}

function sumTraces(traces: TraceConformance[]): ConformanceTotals {
  const t: ConformanceTotals = {
    traces: traces.length,
    ...zeroCounts(),
  };
  for (const r of traces) {
    t.zeekRows += r.zeekRows;
    t.ourRows += r.ourRows;
    t.matched += r.matched;
    t.connStateAgree += r.connStateAgree;
    t.historyAgree += r.historyAgree;
    t.pktsAgree += r.pktsAgree;
    t.ipBytesAgree += r.ipBytesAgree;
    t.bytesAgree += r.bytesAgree;
    t.missedBytesAgree += r.missedBytesAgree;
    t.ipProtoAgree += r.ipProtoAgree;
    t.tunnelParentsAgree += r.tunnelParentsAgree;
  }
  return t;
}
