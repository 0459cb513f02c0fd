/**
 * Routing and re-ship handling without a server: each record reaches the
 * partition of each of its keys; a worker drops records a re-ship repeats
 * (cut differently) and takes those a retried publish delivers late.
 */
import { batchOfMessages } from '../../src/scale/partition-batch.js';
import { partitionOf } from '../../src/scale/partition.js';
import { decodeRecordMessage, type EncodedRecordMessage, encodeRecordMessages } from '../../src/scale/record-message.js';
import { ownsFinding, routeBatch } from '../../src/scale/route-records.js';
import type { FileOrdinals } from '../../src/scale/lane-checkpoint.js';
import type { Finding, FlowRecord } from '../../src/types.js';

function flow(i: number): FlowRecord {
  return {
    ts: 1795000000 + i, uid: `C${i}`, origH: `10.0.${i % 7}.1`, origP: 40000 + i, respH: `10.9.0.${i % 5}`, respP: [22, 80, 443][i % 3] as number, proto: 'tcp',
    service: null, duration: 1, origBytes: 10, respBytes: 10, connState: 'SF', history: 'ShADadFf', missedBytes: 0, origPkts: 3, origIpBytes: 130, respPkts: 3, respIpBytes: 130,
  };
}

const ZERO = { flows: 0, dns: 0, ticks: 0, echoes: 0, arps: 0 };
const P = 8;

/** Ships flows[from..to) as one batch from `file`, chaining each subject's coverage like ship does. */
function ship(flows: FlowRecord[], from: number, to: number, covers: Map<string, number>, start: number): EncodedRecordMessage[] {
  const out: EncodedRecordMessage[] = [];
  for (const r of routeBatch({ flows: flows.slice(from, to), dns: [], ticks: [], echoes: [] }, { ...ZERO, flows: from }, P)) {
    const k = `${r.family}.${r.partition}`;
    covers.set(k, encodeRecordMessages('conn.log:1:2:0', r, covers.get(k) ?? start - 1, out, 4));
  }
  return out;
}

/** What the lane of src.`p` takes from these messages, in order (uids). */
function take(messages: EncodedRecordMessage[], p: number, files: Map<string, FileOrdinals>): string[] {
  const mine = messages.filter((m) => m.family === 'src' && m.partition === p).map((m, i) => ({ seq: i + 1, data: m.data }));
  const stats = { records: 0, repeated: 0, badMessages: 0 };
  return batchOfMessages(mine, files, stats, () => undefined).flows.map((f) => f.uid);
}

describe('record routing', () => {
  const flows = Array.from({ length: 60 }, (_, i) => flow(i));

  it('puts every flow in its source, service and host partitions (and its originator port service)', () => {
    const routed = routeBatch({ flows, dns: [], ticks: [], echoes: [] }, ZERO, P);
    for (const f of flows) {
      const where = routed.filter((r) => (r.records as FlowRecord[]).includes(f)).map((r) => `${r.family}.${r.partition}`);
      expect(where).toContain(`src.${partitionOf(f.origH, P)}`);
      expect(where).toContain(`dst.${partitionOf(`tcp/${f.respP}`, P)}`);
      expect(where).toContain(`dst.${partitionOf(`tcp/${f.origP}`, P)}`);
      expect(where).toContain(`host.${partitionOf(f.respH, P)}`);
      expect(where.filter((w) => w.startsWith('src.'))).toHaveLength(1);
    }
  });

  it('a message carries its records, their ordinals and its coverage; a malformed one says why', () => {
    const routed = routeBatch({ flows, dns: [], ticks: [], echoes: [] }, { ...ZERO, flows: 100 }, P)[0]!;
    const out: EncodedRecordMessage[] = [];
    expect(encodeRecordMessages('conn.log:1:2:0', routed, 99, out)).toBe(routed.ordinals[routed.ordinals.length - 1]);
    const m = decodeRecordMessage(out[0]!.data);
    expect(m).toEqual({ file: 'conn.log:1:2:0', type: 'flows', from: 99, ords: routed.ordinals, records: routed.records });
    expect(decodeRecordMessage(new TextEncoder().encode('{"v":1,"file":"f","type":"flows","from":5,"ords":[3],"records":[{}]}'))).toMatch(/not increasing/);
    expect(decodeRecordMessage(new TextEncoder().encode('nope'))).toMatch(/not JSON/);
  });

  it('a dst or host partition keeps only the findings whose key it owns', () => {
    const spike = { kind: 'rate.spike', port: 443, proto: 'tcp', dst: '10.9.0.1', src: null } as Finding;
    const owners = Array.from({ length: P }, (_, p) => ownsFinding('dst', p, P, spike));
    expect(owners.filter(Boolean)).toHaveLength(1);
    expect(owners[partitionOf('tcp/443', P)]).toBe(true);
    const vertical = { kind: 'scan.distributed', port: null, proto: null, dst: '10.9.0.1', src: null } as Finding;
    expect(Array.from({ length: P }, (_, p) => ownsFinding('host', p, P, vertical)).filter(Boolean)).toHaveLength(1);
    expect(Array.from({ length: P }, (_, p) => ownsFinding('dst', p, P, vertical)).filter(Boolean)).toHaveLength(0);
  });

  it('a re-ship cut differently adds nothing; a message that arrives late is still taken', () => {
    const p = partitionOf(flows[0]!.origH, P);
    const want = flows.filter((f) => partitionOf(f.origH, P) === p).map((f) => f.uid);
    // First run: batches 0-25, 25-40, then it crashed having saved its state at 25.
    const c1 = new Map<string, number>();
    const first = [...ship(flows, 0, 25, c1, 0), ...ship(flows, 25, 40, c1, 0)];
    // Second run resumes at 25 and cuts 25-33, 33-60.
    const c2 = new Map<string, number>();
    const second = [...ship(flows, 25, 33, c2, 25), ...ship(flows, 33, 60, c2, 25)];
    const files = new Map<string, FileOrdinals>();
    expect([...take(first, p, files), ...take(second, p, files)]).toEqual(want);

    // One run whose middle messages were retried after later ones were stored.
    const c3 = new Map<string, number>();
    const a = ship(flows, 0, 20, c3, 0);
    const b = ship(flows, 20, 40, c3, 0);
    const c = ship(flows, 40, 60, c3, 0);
    const late = new Map<string, FileOrdinals>();
    expect([...take([...a, ...c], p, late), ...take(b, p, late)].sort()).toEqual([...want].sort());
    // And those messages again (an exact re-publish the stream let through): nothing.
    expect(take([...a, ...b, ...c], p, late)).toEqual([]);
  });
});
