import { createSeededRandom } from '../../src/util/seeded-random.js';
/** Hand-built records for window and model tests (until real readers land, and for exact expectations). */
import type { DnsRecord, FlowRecord, PacketTick, RecordBatch } from '../../src/types.js';

let uidCounter = 0;

export function makeFlow(p: Partial<FlowRecord> & { ts: number }): FlowRecord {
  uidCounter++;
  return {
    uid: `C${uidCounter}`,
    origH: '10.0.0.1',
    origP: 40000 + (uidCounter % 20000),
    respH: '10.0.0.2',
    respP: 80,
    proto: 'tcp',
    service: null,
    duration: 1,
    origBytes: 100,
    respBytes: 1000,
    connState: 'SF',
    history: 'ShADadFf',
    missedBytes: 0,
    origPkts: 5,
    origIpBytes: 300,
    respPkts: 5,
    respIpBytes: 1200,
    ...p,
  };
}

export function makeDns(p: Partial<DnsRecord> & { ts: number; query: string }): DnsRecord {
  uidCounter++;
  return {
    uid: `D${uidCounter}`,
    client: '10.0.0.1',
    clientP: 50000,
    server: '10.0.0.53',
    serverP: 53,
    proto: 'udp',
    transId: 1,
    qtype: 1,
    qtypeName: 'A',
    rcode: 0,
    rcodeName: 'NOERROR',
    answers: [],
    ttls: [],
    responseBytes: null,
    ...p,
  };
}

export function makeBatch(p: { flows?: FlowRecord[]; dns?: DnsRecord[]; ticks?: PacketTick[] }): RecordBatch {
  return { flows: p.flows ?? [], dns: p.dns ?? [], ticks: p.ticks ?? [], echoes: [] };
}


/**
 * Synthetic benign traffic: web (tcp/80, tcp/443) and DNS (udp/53) flows with
 * random but stationary rates and sizes, one batch per window length.
 */
export function makeBenignTraffic(startSec: number, durationSec: number, seed: number): RecordBatch[] {
  const rnd = createSeededRandom(seed);
  const batches: RecordBatch[] = [];
  for (let t0 = startSec; t0 < startSec + durationSec; t0 += 10) {
    const flows: FlowRecord[] = [];
    const dns: DnsRecord[] = [];
    for (const [port, rate] of [
      [80, 6],
      [443, 10],
      [53, 8],
    ] as const) {
      const n = Math.max(1, Math.round(rate * (0.6 + 0.8 * rnd())));
      for (let i = 0; i < n; i++) {
        const ts = t0 + rnd() * 10;
        const client = `10.0.1.${1 + Math.floor(rnd() * 20)}`;
        if (port === 53) {
          flows.push(
            makeFlow({ ts, proto: 'udp', respP: 53, origH: client, respH: '10.0.0.53', duration: 0.01 + rnd() * 0.05, origPkts: 1, respPkts: 1, origIpBytes: 60 + Math.floor(rnd() * 20), respIpBytes: 120 + Math.floor(rnd() * 80), connState: 'SF' }),
          );
          dns.push(makeDns({ ts, client, query: `${['www', 'mail', 'api', 'cdn'][Math.floor(rnd() * 4)]}.example${Math.floor(rnd() * 5)}.com` }));
        } else {
          const pk = 6 + Math.floor(rnd() * 20);
          flows.push(
            makeFlow({ ts, respP: port, origH: client, respH: `10.0.2.${1 + Math.floor(rnd() * 3)}`, duration: 0.2 + rnd() * 3, origPkts: pk, respPkts: pk + 2, origIpBytes: pk * 80, respIpBytes: pk * (600 + Math.floor(rnd() * 600)), connState: rnd() < 0.02 ? 'S0' : 'SF' }),
          );
        }
      }
    }
    flows.sort((a, b) => a.ts - b.ts);
    batches.push(makeBatch({ flows, dns }));
  }
  return batches;
}

export async function* iterate<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const x of items) yield x;
}
