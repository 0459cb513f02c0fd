/** Hand-built records for detector unit tests (Zeek conn.log/dns.log meanings). */
import type { DnsRecord, FlowRecord, IcmpEcho, PacketTick, RecordBatch } from '../../src/types.js';

let uidCounter = 0;

export function flow(over: Partial<FlowRecord> & Pick<FlowRecord, 'ts' | 'origH' | 'respH' | 'respP'>): FlowRecord {
  uidCounter++;
  return {
    uid: `C${uidCounter}`,
    origP: 40000 + (uidCounter % 20000),
    proto: 'tcp',
    service: null,
    duration: null,
    origBytes: 0,
    respBytes: 0,
    connState: 'S0',
    history: 'S',
    missedBytes: 0,
    origPkts: 1,
    origIpBytes: 44,
    respPkts: 0,
    respIpBytes: 0,
    ...over,
  };
}

export function dns(over: Partial<DnsRecord> & Pick<DnsRecord, 'ts' | 'client' | 'query'>): DnsRecord {
  uidCounter++;
  return {
    uid: `D${uidCounter}`,
    clientP: 50000 + (uidCounter % 10000),
    server: '10.0.0.53',
    serverP: 53,
    proto: 'udp',
    transId: uidCounter % 65536,
    qtype: 1,
    qtypeName: 'A',
    rcode: 0,
    rcodeName: 'NOERROR',
    answers: [],
    ttls: [],
    responseBytes: null,
    ...over,
  };
}

export function echo(over: Partial<IcmpEcho> & Pick<IcmpEcho, 'ts' | 'src' | 'dst'>): IcmpEcho {
  return { type: 8, id: 1, seq: 0, payloadBytes: 56, ...over };
}

export function tick(over: Partial<PacketTick> & Pick<PacketTick, 'sec' | 'dst' | 'port' | 'pkts'>): PacketTick {
  return { proto: 'tcp', bytes: over.pkts * 100, ...over };
}

export function batch(parts: Partial<RecordBatch>): RecordBatch {
  return { flows: [], dns: [], ticks: [], echoes: [], ...parts };
}
