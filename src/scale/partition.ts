/**
 * Partitioning of records for scale-out workers (docs/scale-out.md).
 *
 * Every detector keys its state by a source or by a destination service:
 *   - source-keyed: scans (per source), DNS tunnels (per client and domain),
 *     ICMP tunnels (per pair), port policy (per flow), beacons (per pair),
 *     ARP scans (per sender);
 *   - destination-keyed: rate spikes (per destination host and port) and
 *     the baseline windows (per proto and port).
 * A record is therefore published under several subject families (see
 * route-records.ts): `src.<p>` with p from its source address, `dst.<p>`
 * with p from its (proto, destination port), and, for flows, `host.<p>`
 * with p from the destination host (scan.distributed's vertical target
 * sets). A worker runs each family's detectors on its partitions of that
 * family, so each detector sees every record of each of its keys in one
 * worker.
 *
 * The hash is FNV-1a (32 bit) of the key's text, so every publisher and
 * worker, in any language, computes the same partition.
 */
import type { DnsRecord, FlowRecord } from '../types.js';

/** FNV-1a 32-bit hash of a string's UTF-16 code units. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The partition (0 .. partitions-1) of a key. */
export function partitionOf(key: string, partitions: number): number {
  return fnv1a(key) % partitions;
}

/** The source-side key of a record: its originator (flows) or client (DNS). */
export function sourceKey(r: FlowRecord | DnsRecord): string {
  return 'origH' in r ? r.origH : r.client;
}

/** The destination-side key of a record: proto and service port (a DNS record's server port, as the windower keys it). */
export function destinationKey(r: FlowRecord | DnsRecord): string {
  if ('origH' in r) return `${r.proto}/${r.respP}`;
  return `${r.proto}/${r.serverP}`;
}

/** Worker `index` of `workers` owns the partitions p with p % workers === index. */
export function ownedPartitions(index: number, workers: number, partitions: number): number[] {
  const out: number[] = [];
  for (let p = index; p < partitions; p += workers) out.push(p);
  return out;
}
