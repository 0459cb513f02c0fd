/**
 * A RecordBatch as columns, for posting from a capture worker to the main
 * thread (parallel-capture-ingest.ts): every number of the flows, ticks and
 * echoes in one Float64Array (transferred, not copied), their strings as
 * indexes into a table of the batch's distinct strings (addresses repeat
 * across a batch's records), so each is cloned and rebuilt once. Structured
 * cloning the record objects themselves cost about as much as tracking
 * them; rebuilding them from columns costs a fraction.
 * DNS and ARP records (few, DNS with nested arrays) are cloned as they are.
 */
import type { ArpRecord, DnsRecord, FlowRecord, IcmpEcho, PacketTick, Proto, RecordBatch } from '../types.js';

export interface BatchColumns {
  flowCount: number;
  tickCount: number;
  echoCount: number;
  numbers: Float64Array;
  /** Per string field, an index into `table`. */
  strings: Int32Array;
  table: string[];
  dns: DnsRecord[];
  arps: ArpRecord[];
}

const FLOW_NUMBERS = 16;
const TICK_NUMBERS = 5;
const ECHO_NUMBERS = 5;
const PROTOS: readonly Proto[] = ['tcp', 'udp', 'icmp', 'unknown_transport'];
const NULL_SERVICE = 1;
const NULL_CONN_STATE = 2;
const NULL_HISTORY = 4;

function protoCode(p: Proto): number {
  return p === 'tcp' ? 0 : p === 'udp' ? 1 : p === 'icmp' ? 2 : 3;
}

/** NaN stands for null (no count or duration is NaN). */
function orNaN(v: number | null): number {
  return v === null ? Number.NaN : v;
}

function orNull(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

export function encodeBatchColumns(b: RecordBatch): BatchColumns {
  const numbers = new Float64Array(b.flows.length * FLOW_NUMBERS + b.ticks.length * TICK_NUMBERS + b.echoes.length * ECHO_NUMBERS);
  const strings = new Int32Array(b.flows.length * 7 + b.ticks.length + b.echoes.length * 2);
  const table: string[] = [];
  const index = new Map<string, number>();
  let k = 0;
  const put = (s: string): void => {
    let i = index.get(s);
    if (i === undefined) {
      i = table.length;
      table.push(s);
      index.set(s, i);
    }
    strings[k++] = i;
  };
  let o = 0;
  for (const f of b.flows) {
    numbers[o] = f.ts;
    numbers[o + 1] = f.origP;
    numbers[o + 2] = f.respP;
    numbers[o + 3] = protoCode(f.proto);
    numbers[o + 4] = orNaN(f.duration);
    numbers[o + 5] = orNaN(f.origBytes);
    numbers[o + 6] = orNaN(f.respBytes);
    numbers[o + 7] = f.missedBytes;
    numbers[o + 8] = f.origPkts;
    numbers[o + 9] = f.origIpBytes;
    numbers[o + 10] = f.respPkts;
    numbers[o + 11] = f.respIpBytes;
    numbers[o + 13] = f.origMaxPayload ?? Number.NaN;
    numbers[o + 14] = f.respMaxPayload ?? Number.NaN;
    numbers[o + 15] = f.origFirstTcpFlags ?? Number.NaN;
    numbers[o + 12] = (f.service === null ? NULL_SERVICE : 0) | (f.connState === null ? NULL_CONN_STATE : 0) | (f.history === null ? NULL_HISTORY : 0);
    o += FLOW_NUMBERS;
    // The uid is unique: it goes straight to the table.
    strings[k++] = table.length;
    table.push(f.uid);
    put(f.origH);
    put(f.respH);
    put(f.service ?? '');
    put(f.connState ?? '');
    put(f.history ?? '');
    // uids hold no comma; '' is none.
    put(f.tunnelParents !== undefined ? f.tunnelParents.join(',') : '');
  }
  for (const t of b.ticks) {
    numbers[o] = t.sec;
    numbers[o + 1] = t.port;
    numbers[o + 2] = protoCode(t.proto);
    numbers[o + 3] = t.pkts;
    numbers[o + 4] = t.bytes;
    o += TICK_NUMBERS;
    put(t.dst);
  }
  for (const e of b.echoes) {
    numbers[o] = e.ts;
    numbers[o + 1] = e.type;
    numbers[o + 2] = e.id;
    numbers[o + 3] = e.seq;
    numbers[o + 4] = e.payloadBytes;
    o += ECHO_NUMBERS;
    put(e.src);
    put(e.dst);
  }
  return { flowCount: b.flows.length, tickCount: b.ticks.length, echoCount: b.echoes.length, numbers, strings, table, dns: b.dns, arps: b.arps ?? [] };
}

/** Appends the records of `c` to `into` (the main thread merges several workers' batches into one). */
export function decodeBatchColumns(c: BatchColumns, into: RecordBatch): void {
  const n = c.numbers;
  const x = c.strings;
  const t = c.table;
  let o = 0;
  let k = 0;
  for (let i = 0; i < c.flowCount; i++) {
    const nulls = n[o + 12]!;
    const flow: FlowRecord = {
      ts: n[o]!,
      uid: t[x[k]!]!,
      origH: t[x[k + 1]!]!,
      origP: n[o + 1]!,
      respH: t[x[k + 2]!]!,
      respP: n[o + 2]!,
      proto: PROTOS[n[o + 3]!]!,
      service: (nulls & NULL_SERVICE) !== 0 ? null : t[x[k + 3]!]!,
      duration: orNull(n[o + 4]!),
      origBytes: orNull(n[o + 5]!),
      respBytes: orNull(n[o + 6]!),
      connState: (nulls & NULL_CONN_STATE) !== 0 ? null : t[x[k + 4]!]!,
      history: (nulls & NULL_HISTORY) !== 0 ? null : t[x[k + 5]!]!,
      missedBytes: n[o + 7]!,
      origPkts: n[o + 8]!,
      origIpBytes: n[o + 9]!,
      respPkts: n[o + 10]!,
      respIpBytes: n[o + 11]!,
    };
    if (!Number.isNaN(n[o + 13]!)) flow.origMaxPayload = n[o + 13]!;
    if (!Number.isNaN(n[o + 14]!)) flow.respMaxPayload = n[o + 14]!;
    if (!Number.isNaN(n[o + 15]!)) flow.origFirstTcpFlags = n[o + 15]!;
    const parents = t[x[k + 6]!]!;
    if (parents !== '') flow.tunnelParents = parents.split(',');
    into.flows.push(flow);
    o += FLOW_NUMBERS;
    k += 7;
  }
  for (let i = 0; i < c.tickCount; i++) {
    const tick: PacketTick = { sec: n[o]!, dst: t[x[k]!]!, port: n[o + 1]!, proto: PROTOS[n[o + 2]!]!, pkts: n[o + 3]!, bytes: n[o + 4]! };
    into.ticks.push(tick);
    o += TICK_NUMBERS;
    k += 1;
  }
  for (let i = 0; i < c.echoCount; i++) {
    const echo: IcmpEcho = { ts: n[o]!, src: t[x[k]!]!, dst: t[x[k + 1]!]!, type: n[o + 1]!, id: n[o + 2]!, seq: n[o + 3]!, payloadBytes: n[o + 4]! };
    into.echoes.push(echo);
    o += ECHO_NUMBERS;
    k += 2;
  }
  for (const d of c.dns) into.dns.push(d);
  if (c.arps.length > 0) {
    into.arps ??= [];
    for (const a of c.arps) into.arps.push(a);
  }
}
