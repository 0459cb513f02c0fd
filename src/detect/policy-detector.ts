/**
 * Port-policy findings (`policy.<rule name>`), e.g. the shipped
 * `policy.data_leakage` and `policy.risky_port` (see default-policy.ts and
 * policy-rules.ts for the rule language).
 *
 * Algorithm:
 * 1. Match every FlowRecord against every rule (policy-rules.ts matchRule;
 *    a rule's port gate, policy-port-gate.ts, skips the records whose ports
 *    it cannot match).
 * 2. Aggregate matches per (rule, sender, receiver, port): connections,
 *    payload bytes, first and last time.
 * 3. Report an aggregate `reportDelaySec` after its first match (event
 *    time) or at end of input; report again only when more connections
 *    matched since (the scorer limits repeats per suppression interval).
 * Severity and confidence come from the rule. At most
 * `policyMaxAggregates` (100,000) aggregates are held; the oldest is
 * reported and dropped first.
 */
import type { Settings } from '../config/settings.js';
import { createFinding } from '../score/finding-id.js';
import type { Finding, Proto, RecordBatch } from '../types.js';
import type { Detector } from './detector.js';
import { IncidentTable, type TableRow } from './incident-table.js';
import { encodeState, readStateObject, tableOf } from './plain-state.js';
import type { PolicyRule } from './policy-rules.js';
import { matchRule } from './policy-rules.js';
import { mayMatchPorts, portGateOf } from './policy-port-gate.js';
import { fmtDuration } from './scan-detector.js';

export type PolicySettings = Pick<Settings, 'reportDelaySec' | 'policyMaxAggregates' | 'idBucketSec'>;

interface Aggregate extends TableRow {
  rule: PolicyRule;
  src: string;
  dst: string;
  port: number;
  portRole: 'src' | 'dst';
  proto: Proto;
  firstTs: number;
  lastTs: number;
  connections: number;
  payloadBytes: number;
  maxPayloadBytes: number;
  connStates: Record<string, number>;
  /** With a per-packet payload condition: the largest per-packet payload read, and how (see MatchedSide). */
  packetPayload: number;
  packetReadings: Record<string, number>;
  dueTs: number | null;
  lastEmitted: number;
}

export function createPolicyDetector(rules: readonly PolicyRule[], settings: PolicySettings): Detector {
  const aggs = new IncidentTable<Aggregate>(settings.policyMaxAggregates);
  /** Per rule: its port gate (policy-port-gate.ts), or null to match every record. */
  const gates = rules.map(portGateOf);
  /** Wake-up margin: `watermark - lastTs > 2 × delay` is rechecked exactly when woken. */
  const SLACK = 1e-3;

  /** When the per-batch pass must look at an aggregate: its report is due, or it has been reported and idle. */
  function wakeOf(a: Aggregate): number {
    return a.dueTs !== null ? a.dueTs : a.lastTs + 2 * settings.reportDelaySec - SLACK;
  }
  /** Event time, in a field: a fraction stored in a closure variable is a new heap number per store (per record). */
  const clock = { watermark: Number.NEGATIVE_INFINITY };

  function emit(a: Aggregate, out: Finding[]): void {
    a.dueTs = null;
    if (a.connections <= a.lastEmitted) return;
    a.lastEmitted = a.connections;
    const desc = a.rule.description || a.rule.name;
    const readings = Object.keys(a.packetReadings);
    const reading =
      readings.length === 0
        ? ''
        : `; ${readings.includes('largest-packet') ? `largest packet payload ${a.packetPayload} B` : `mean payload per packet ${a.packetPayload} B (flow log: bytes / packets, packet sizes unknown)`}`;
    out.push(
      createFinding(
        {
          ts: a.firstTs,
          end: a.lastTs,
          kind: `policy.${a.rule.name}`,
          severity: a.rule.severity,
          confidence: a.rule.confidence,
          src: a.src,
          dst: a.dst,
          port: a.port,
          proto: a.proto,
          summary: `${desc}: ${a.connections} connection${a.connections === 1 ? '' : 's'}, ${a.payloadBytes} B sent in ${fmtDuration(Math.max(0, a.lastTs - a.firstTs))}${reading}`,
          evidence: {
            rule: a.rule.name,
            portRole: a.portRole,
            count: a.connections,
            connections: a.connections,
            payloadBytes: a.payloadBytes,
            maxPayloadBytes: a.maxPayloadBytes,
            connStates: { ...a.connStates },
            ...(readings.length > 0 ? { packetPayloadBytes: a.packetPayload, packetReading: readings.length === 1 ? readings[0] : { ...a.packetReadings } } : {}),
          },
        },
        settings.idBucketSec,
      ),
    );
  }

  /**
   * Event time moved forward to `clock.watermark` (set by the caller, record
   * by record, so what is due is decided at the same record whatever the
   * batch boundaries; a fraction passed to a call is boxed): due reports and idle
   * aggregates, in aggregate order, only those woken for it.
   */
  function moveOn(out: Finding[]): void {
    for (const a of aggs.takeDue(clock.watermark)) {
      if (a.dueTs !== null && clock.watermark >= a.dueTs) emit(a, out);
      if (a.dueTs === null && clock.watermark - a.lastTs > 2 * settings.reportDelaySec) aggs.delete(a);
      else aggs.wakeAt(a, wakeOf(a));
    }
  }

  return {
    name: 'policy',
    push(batch: RecordBatch): Finding[] {
      const out: Finding[] = [];
      if (rules.length === 0) return out;
      for (const f of batch.flows) {
        // Event time moves record by record, so what is due is decided at the
        // same record whatever the batch boundaries.
        if (f.ts > clock.watermark) {
          clock.watermark = f.ts;
          // Asked first: most records find nothing due, and an empty array per record was most of the detector's garbage.
          if (aggs.hasDue(clock.watermark)) moveOn(out);
        }
        for (let r = 0; r < rules.length; r++) {
          const rule = rules[r]!;
          // Allow rules (`suppress`) only exempt connections from other detectors.
          if (rule.suppress !== undefined) continue;
          const gate = gates[r]!;
          if (gate !== null && !mayMatchPorts(gate, f.origP, f.respP)) continue;
          const side = matchRule(rule, f);
          if (side === null) continue;
          const id = `${rule.name}|${side.sender}|${side.receiver}|${side.port}|${f.proto}`;
          let a = aggs.get(id);
          if (a === undefined) {
            a = {
              key: id, seq: 0, wakeTs: null, rule, src: side.sender, dst: side.receiver, port: side.port, portRole: side.portRole, proto: f.proto, firstTs: f.ts, lastTs: f.ts,
              connections: 0, payloadBytes: 0, maxPayloadBytes: 0, connStates: {}, packetPayload: 0, packetReadings: {}, dueTs: null, lastEmitted: 0,
            };
            aggs.add(a);
            if (aggs.size > settings.policyMaxAggregates) aggs.evictOverCap((old) => emit(old, out));
          }
          a.connections++;
          a.payloadBytes += side.payloadBytes;
          if (side.payloadBytes > a.maxPayloadBytes) a.maxPayloadBytes = side.payloadBytes;
          const end = f.ts + (f.duration ?? 0);
          if (end > a.lastTs) a.lastTs = end;
          if (f.ts < a.firstTs) a.firstTs = f.ts;
          if (side.packetReading !== undefined) {
            a.packetReadings[side.packetReading] = (a.packetReadings[side.packetReading] ?? 0) + 1;
            if ((side.packetPayload ?? 0) > a.packetPayload) a.packetPayload = side.packetPayload ?? 0;
          }
          const st = f.connState ?? '-';
          a.connStates[st] = (a.connStates[st] ?? 0) + 1;
          a.dueTs ??= f.ts + settings.reportDelaySec;
          aggs.wakeAt(a, wakeOf(a));
        }
      }
      return out;
    },
    flush(): Finding[] {
      const out: Finding[] = [];
      for (const a of aggs.rows()) emit(a, out);
      aggs.clear();
      clock.watermark = Number.NEGATIVE_INFINITY;
      return out;
    },
    snapshot() {
      const table = aggs.snapshot();
      // A rule is stored by name and found again among this run's rules.
      return encodeState({ aggs: { ...table, rows: table.rows.map((a) => ({ ...a, rule: a.rule.name })) }, watermark: clock.watermark });
    },
    restore(state) {
      const o = readStateObject(state, 'policy', { aggs: 'table', watermark: 'number' });
      const table = tableOf<Omit<Aggregate, 'rule'> & { rule: string }>(o.aggs);
      const byName = new Map(rules.map((r) => [r.name, r]));
      const rows: Aggregate[] = [];
      // Aggregates of a rule this run no longer has are dropped.
      for (const a of table.rows) {
        const rule = byName.get(a.rule);
        if (rule !== undefined) rows.push({ ...a, rule });
      }
      aggs.restore({ ...table, rows });
      clock.watermark = o.watermark as number;
    },
    stats() {
      return { evictedKeys: aggs.evicted };
    },
  };
}
