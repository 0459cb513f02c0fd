/**
 * Routing of records to partitions (docs/scale-out.md, "Partitioning"):
 * every record goes to each subject family whose detectors need it, in the
 * partition its key hashes to there.
 *
 * | family | key (FNV-1a % partitions) | records | detectors |
 * | --- | --- | --- | --- |
 * | `src` | flow originator; DNS client; ICMP echo requester; ARP sender | flows, dns, echoes, arps | scan, tunnel.dns, tunnel.icmp, policy, scan.arp, c2.beacon |
 * | `dst` | proto/port: a flow's responder port and its originator port; a DNS record's server port; a tick's port | flows, dns, ticks | rate.spike, scan.distributed (horizontal), model |
 * | `host` | a flow's responder host | flows | scan.distributed (vertical) |
 *
 * One extra copy, so a key's detector sees every record it reads: in `dst`
 * a flow also goes to the partition of its originator's proto/port
 * (rate.spike does not report a (host, port) that flows show to be a
 * connection's originator end). A `dst` or `host` worker keeps only the
 * findings whose key its partition owns (`ownsFinding`), so a copy (or
 * scan.distributed's other kind of target set) never yields a finding in a
 * second place. `src` partitions get no copies and keep every finding.
 *
 * Each routed record keeps its ordinal in its input file (per record type),
 * so a worker can drop records a re-shipped input sends again.
 */
import type { ArpRecord, DnsRecord, FlowRecord, IcmpEcho, PacketTick, RecordBatch } from '../types.js';
import type { Finding } from '../types.js';
import { partitionOf } from './partition.js';

export type PartitionFamily = 'src' | 'dst' | 'host';
export const PARTITION_FAMILIES: readonly PartitionFamily[] = ['src', 'dst', 'host'];

export type RecordType = 'flows' | 'dns' | 'ticks' | 'echoes' | 'arps';
export const RECORD_TYPES: readonly RecordType[] = ['flows', 'dns', 'ticks', 'echoes', 'arps'];

export interface RecordOfType {
  flows: FlowRecord;
  dns: DnsRecord;
  ticks: PacketTick;
  echoes: IcmpEcho;
  arps: ArpRecord;
}

/** Records of one type for one (family, partition), with their ordinals in the input file. */
export interface RoutedRecords<T extends RecordType = RecordType> {
  family: PartitionFamily;
  partition: number;
  type: T;
  records: RecordOfType[T][];
  ordinals: number[];
}

/** ICMP echo request types (v4, v6): the requester is the echo's source. */
const ECHO_REQUEST_TYPES = new Set([8, 128]);

/**
 * Routes a batch: `firstOrdinals[type]` is the ordinal (in its file) of the
 * batch's first record of that type. Returns one entry per (family,
 * partition, type) that receives records, records in batch order.
 */
export function routeBatch(batch: RecordBatch, firstOrdinals: Readonly<Record<RecordType, number>>, partitions: number): RoutedRecords[] {
  const out = new Map<string, RoutedRecords>();
  const add = <T extends RecordType>(family: PartitionFamily, key: string, type: T, r: RecordOfType[T], ord: number, alsoKey?: string): void => {
    const p = partitionOf(key, partitions);
    put(family, p, type, r, ord);
    if (alsoKey !== undefined) {
      const q = partitionOf(alsoKey, partitions);
      if (q !== p) put(family, q, type, r, ord);
    }
  };
  const put = <T extends RecordType>(family: PartitionFamily, p: number, type: T, r: RecordOfType[T], ord: number): void => {
    const k = `${family}.${p}.${type}`;
    let e = out.get(k);
    if (e === undefined) {
      e = { family, partition: p, type, records: [], ordinals: [] };
      out.set(k, e);
    }
    (e.records as RecordOfType[T][]).push(r);
    e.ordinals.push(ord);
  };
  let ord = firstOrdinals.flows;
  for (const f of batch.flows) {
    add('src', f.origH, 'flows', f, ord);
    add('dst', `${f.proto}/${f.respP}`, 'flows', f, ord, `${f.proto}/${f.origP}`);
    add('host', f.respH, 'flows', f, ord);
    ord++;
  }
  ord = firstOrdinals.dns;
  for (const d of batch.dns) {
    add('src', d.client, 'dns', d, ord);
    add('dst', `${d.proto}/${d.serverP}`, 'dns', d, ord);
    ord++;
  }
  ord = firstOrdinals.ticks;
  for (const t of batch.ticks) add('dst', `${t.proto}/${t.port}`, 'ticks', t, ord++);
  ord = firstOrdinals.echoes;
  for (const e of batch.echoes) add('src', ECHO_REQUEST_TYPES.has(e.type) ? e.src : e.dst, 'echoes', e, ord++);
  ord = firstOrdinals.arps;
  for (const a of batch.arps ?? []) add('src', a.senderIp, 'arps', a, ord++);
  return [...out.values()];
}

/** How many records of each type a batch holds. */
export function countByType(batch: RecordBatch): Record<RecordType, number> {
  return { flows: batch.flows.length, dns: batch.dns.length, ticks: batch.ticks.length, echoes: batch.echoes.length, arps: batch.arps?.length ?? 0 };
}

/** The detectors (by name) that run on each family; `model` is the baseline detector. */
export const FAMILY_DETECTORS: Readonly<Record<PartitionFamily, readonly string[]>> = {
  src: ['scan', 'tunnel.dns', 'tunnel.icmp', 'policy', 'scan.arp', 'c2.beacon'],
  dst: ['rate.spike', 'scan.distributed', 'model'],
  host: ['scan.distributed'],
};

/**
 * Whether partition `partition` of `family` owns a finding: its key hashes
 * there. `dst`: the finding's proto/port (scan.distributed only its
 * horizontal, per-port sets); `host`: scan.distributed's vertical sets (a
 * host, no port); `src`: every finding (its records are its own).
 */
export function ownsFinding(family: PartitionFamily, partition: number, partitions: number, f: Finding): boolean {
  if (family === 'src') return true;
  if (family === 'host') return f.kind === 'scan.distributed' && f.port === null && f.dst !== null && partitionOf(f.dst, partitions) === partition;
  if (f.port === null || f.proto === null) return false;
  return partitionOf(`${f.proto}/${f.port}`, partitions) === partition;
}
