/**
 * A rule's ports as a lookup table, to skip `matchRule` for the records it
 * cannot match: most rules name ports, and most connections use none of
 * them (the shipped rules' four port conditions cost ~140 ns a record on a
 * 2M-line conn.log, for one match in 10,000 records).
 *
 * The gate only says "cannot match"; a record it lets through is matched in
 * full. It follows matchRule's port conditions (policy-rules.ts):
 * `service-port` holds the responder's port; `src-port` and `dst-port`
 * hold the sender's or receiver's port of the side that matches, and either
 * side may match, so one of the two ports must be listed. A port that is
 * not an integer 0..65535 is let through (the table has no entry for it).
 */
import type { PolicyRule, PortRange } from './policy-rules.js';

export interface PortGate {
  /** 1 for a listed port, 0 otherwise. */
  ports: Uint8Array;
  /** Whether only the responder's port is looked at (`service-port`); else either port. */
  respOnly: boolean;
}

/** The gate of `rule`, or null when it has no port condition (every record is matched). */
export function portGateOf(rule: PolicyRule): PortGate | null {
  const m = rule.match;
  if (m.servicePort !== undefined) return { ports: portTable(m.servicePort), respOnly: true };
  const sided = m.srcPort ?? m.dstPort;
  if (sided !== undefined) return { ports: portTable(sided), respOnly: false };
  return null;
}

/** Whether the gate lets a record with these ports through to matchRule. */
export function mayMatchPorts(g: PortGate, origP: number, respP: number): boolean {
  // `!== 0`: an index outside the table reads undefined, and such a port is let through.
  return g.ports[respP] !== 0 || (!g.respOnly && g.ports[origP] !== 0);
}

function portTable(ranges: readonly PortRange[]): Uint8Array {
  const t = new Uint8Array(65536);
  for (const r of ranges) t.fill(1, r.lo, r.hi + 1);
  return t;
}
