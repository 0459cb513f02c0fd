/**
 * Which network a model learned, and whether an input is from it.
 *
 * 1. While training, every flow's originator and responder is tallied
 *    (`createHostTally`, at most MAX_TALLY_HOSTS distinct addresses; past it
 *    new addresses are counted but not remembered).
 * 2. The model keeps the MAX_PROFILE_HOSTS addresses with the most flows and
 *    their subnets (IPv4 /24, IPv6 /64).
 * 3. While judging, the input's flows are tallied the same way; the overlap
 *    is the share of the input's flows with an originator or responder that
 *    is a learned host or in a learned subnet. Below `minNetworkOverlap`
 *    (default 0.5) the model does not judge the input: it learned another
 *    network, and every port of this one would look new to it.
 */
import type { FlowRecord } from '../types.js';

export const MAX_TALLY_HOSTS = 65536;
export const MAX_PROFILE_HOSTS = 4096;
/** Share of the input's flows that must touch a learned host or subnet. */
export const DEFAULT_MIN_NETWORK_OVERLAP = 0.5;

export interface NetworkProfile {
  hosts: string[];
  subnets: string[];
  /** Flows tallied in training. */
  flows: number;
}

export interface HostTally {
  add(flows: readonly FlowRecord[]): void;
  /** Flows added. */
  readonly flows: number;
  profile(): NetworkProfile;
  /** Share of the tallied flows that touch a host or subnet of `p`. */
  overlapWith(p: NetworkProfile): number;
  /** Counts, pair sample and flows as plain data (Map and arrays; see src/detect/plain-state.ts). */
  snapshot(): { counts: Map<string, number>; pairs: [string, string][]; flows: number };
  restore(s: { counts: Map<string, number>; pairs: [string, string][]; flows: number }): void;
}

/** "10.1.2.3" → "10.1.2.0/24"; IPv6 → first four groups + "::/64"; else null. */
export function subnetOf(addr: string): string | null {
  if (addr.includes(':')) {
    const groups = expandIpv6(addr);
    return groups ? `${groups.slice(0, 4).join(':')}::/64` : null;
  }
  const parts = addr.split('.');
  if (parts.length !== 4) return null;
  return `${parts[0]}.${parts[1]}.${parts[2]}.0/24`;
}

function expandIpv6(addr: string): string[] | null {
  const [head, tail] = addr.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  if (tail === undefined) return h.length === 8 ? h.map((g) => g.toLowerCase()) : null;
  const fill = 8 - h.length - t.length;
  if (fill < 0) return null;
  return [...h, ...Array(fill).fill('0'), ...t].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}

export function createHostTally(maxHosts = MAX_TALLY_HOSTS): HostTally {
  let counts = new Map<string, number>();
  /** Flows by (originator, responder) pair membership are re-derived at overlap time from this sample. */
  let pairs: [string, string][] = [];
  const MAX_PAIRS = 100_000;
  let flows = 0;
  const bump = (a: string) => {
    const n = counts.get(a);
    if (n !== undefined) counts.set(a, n + 1);
    else if (counts.size < maxHosts) counts.set(a, 1);
  };
  return {
    add(batch) {
      for (const f of batch) {
        flows++;
        bump(f.origH);
        bump(f.respH);
        // Every flow until the cap, then a stride sample, so the overlap is measured on the whole input.
        if (pairs.length < MAX_PAIRS) pairs.push([f.origH, f.respH]);
        else if (flows % 16 === 0) pairs[(flows >>> 4) % MAX_PAIRS] = [f.origH, f.respH];
      }
    },
    get flows() {
      return flows;
    },
    profile() {
      const hosts = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_PROFILE_HOSTS).map(([h]) => h);
      const subnets = [...new Set(hosts.map(subnetOf).filter((x): x is string => x !== null))].sort();
      return { hosts, subnets, flows };
    },
    snapshot() {
      return { counts, pairs, flows };
    },
    restore(saved) {
      counts = saved.counts;
      pairs = saved.pairs;
      flows = saved.flows;
    },
    overlapWith(p) {
      if (pairs.length === 0) return 0;
      const hosts = new Set(p.hosts);
      const subnets = new Set(p.subnets);
      const known = (a: string) => hosts.has(a) || subnets.has(subnetOf(a) ?? '');
      let hit = 0;
      for (const [o, r] of pairs) if (known(o) || known(r)) hit++;
      return hit / pairs.length;
    },
  };
}
