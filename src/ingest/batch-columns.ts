/**
 * A RecordBatch as columns, for posting from a capture worker to the main
 * thread (parallel-capture-ingest.ts): every number of the flows, ticks and
 * echoes in one Float64Array (transferred, not copied) and their strings in
 * one array. Structured cloning the record objects themselves cost about as
 * much as tracking them; rebuilding them from columns costs a fraction.
 * DNS records (few, with nested arrays) are cloned as they are.
 */
import type { DnsRecord, FlowRecord, IcmpEcho, PacketTick, Proto, RecordBatch } from '../types.js';

export interface BatchColumns {
  flowCount: number;
  tickCount: number;
  echoCount: number;
  numbers: Float64Array;
  strings: string[];
  dns: DnsRecord[];
}

const FLOW_NUMBERS = 13;
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
  const strings: string[] = [];
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
    numbers[o + 12] = (f.service === null ? NULL_SERVICE : 0) | (f.connState === null ? NULL_CONN_STATE : 0) | (f.history === null ? NULL_HISTORY : 0);
    o += FLOW_NUMBERS;
    strings.push(f.uid, f.origH, f.respH, f.service ?? '', f.connState ?? '', f.history ?? '');
  }
  for (const t of b.ticks) {
    numbers[o] = t.sec;
    numbers[o + 1] = t.port;
    numbers[o + 2] = protoCode(t.proto);
    numbers[o + 3] = t.pkts;
    numbers[o + 4] = t.bytes;
    o += TICK_NUMBERS;
    strings.push(t.dst);
  }
  for (const e of b.echoes) {
    numbers[o] = e.ts;
    numbers[o + 1] = e.type;
    numbers[o + 2] = e.id;
    numbers[o + 3] = e.seq;
    numbers[o + 4] = e.payloadBytes;
    o += ECHO_NUMBERS;
    strings.push(e.src, e.dst);
  }
  return { flowCount: b.flows.length, tickCount: b.ticks.length, echoCount: b.echoes.length, numbers, strings, dns: b.dns };
}

/** Appends the records of `c` to `into` (the main thread merges several workers' batches into one). */
export function decodeBatchColumns(c: BatchColumns, into: RecordBatch): void {
  const n = c.numbers;
  const s = c.strings;
  let o = 0;
  let k = 0;
  for (let i = 0; i < c.flowCount; i++) {
    const nulls = n[o + 12]!;
    const flow: FlowRecord = {
      ts: n[o]!,
      uid: s[k]!,
      origH: s[k + 1]!,
      origP: n[o + 1]!,
      respH: s[k + 2]!,
      respP: n[o + 2]!,
      proto: PROTOS[n[o + 3]!]!,
      service: (nulls & NULL_SERVICE) !== 0 ? null : s[k + 3]!,
      duration: orNull(n[o + 4]!),
      origBytes: orNull(n[o + 5]!),
      respBytes: orNull(n[o + 6]!),
      connState: (nulls & NULL_CONN_STATE) !== 0 ? null : s[k + 4]!,
      history: (nulls & NULL_HISTORY) !== 0 ? null : s[k + 5]!,
      missedBytes: n[o + 7]!,
      origPkts: n[o + 8]!,
      origIpBytes: n[o + 9]!,
      respPkts: n[o + 10]!,
      respIpBytes: n[o + 11]!,
    };
    into.flows.push(flow);
    o += FLOW_NUMBERS;
    k += 6;
  }
  for (let i = 0; i < c.tickCount; i++) {
    const tick: PacketTick = { sec: n[o]!, dst: s[k]!, port: n[o + 1]!, proto: PROTOS[n[o + 2]!]!, pkts: n[o + 3]!, bytes: n[o + 4]! };
    into.ticks.push(tick);
    o += TICK_NUMBERS;
    k += 1;
  }
  for (let i = 0; i < c.echoCount; i++) {
    const echo: IcmpEcho = { ts: n[o]!, src: s[k]!, dst: s[k + 1]!, type: n[o + 1]!, id: n[o + 2]!, seq: n[o + 3]!, payloadBytes: n[o + 4]! };
    into.echoes.push(echo);
    o += ECHO_NUMBERS;
    k += 2;
  }
  for (const d of c.dns) into.dns.push(d);
}
