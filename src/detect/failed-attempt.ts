/**
 * Which connections are failed or unanswered attempts, the raw material of
 * scan detection (Zeek scan.zeek counts `connection_attempt`,
 * `connection_rejected` and resets without data; Slips counts connections
 * that were not established).
 *
 * TCP: only connections whose history shows the originator's SYN (`S`);
 * midstream traffic (Zeek OTH/SH with histories like `A`, `D`, `AFa`) is
 * what stale connections leave behind in real logs, so ACK/FIN/NULL/Xmas
 * probes, which send no SYN either, are not counted. Then by conn_state:
 * - S0 (SYN, no reply), REJ (rejected), RSTOS0, RSTRH, SH, SHR: failed.
 * - OTH with no response packets and no payload: unanswered.
 * - RSTO / RSTR with no payload in either direction (no `D`/`d` in history,
 *   zero bytes): a probe that was answered and torn down, as nmap's SYN
 *   scan does to open ports (Zeek's is_failed_conn: reset before any data).
 * - SF, S1, S2, S3 and anything that carried payload: a real connection.
 * - Unknown conn_state (CSV exports): failed when the responder sent nothing
 *   and the originator at most two packets (NetFlow is unidirectional).
 * UDP: unanswered when the responder sent no packet (an ICMP port
 * unreachable is a separate ICMP record; the UDP side stays unanswered).
 * Without a state (unidirectional exports) a UDP record is unanswered only
 * if no record in the reverse direction follows (see needsReversePairing).
 * A connection whose originator sent nothing (Zeek flipped it, history `^…`,
 * as with SYN-ACK backscatter of a reflection attack) is nobody's attempt.
 * ICMP: not handled here (echo sweeps are counted as requests, see scan detector).
 */
import type { FlowRecord } from '../types.js';

const ALWAYS_FAILED = new Set(['S0', 'REJ', 'RSTOS0', 'RSTRH', 'SH', 'SHR']);
/** Default packets of a TCP probe without a known state: a SYN and one retransmission (setting scanProbeMaxPkts). */
const DEFAULT_PROBE_MAX_PKTS = 2;

/**
 * A UDP record without state or history and without response packets may be
 * one half of a unidirectional export (NetFlow): whether it was answered is
 * only known from a record in the other direction. The scan detector pairs
 * such records before counting them.
 */
export function needsReversePairing(f: FlowRecord): boolean {
  return f.proto === 'udp' && f.connState === null && f.history === null && f.respPkts === 0 && f.origPkts > 0;
}

function carriedPayload(f: FlowRecord): boolean {
  if ((f.origBytes ?? 0) > 0 || (f.respBytes ?? 0) > 0) return true;
  const h = f.history;
  return h !== null && (h.includes('D') || h.includes('d'));
}

export function isFailedAttempt(f: FlowRecord, probeMaxPkts = DEFAULT_PROBE_MAX_PKTS): boolean {
  // No packet from the originator: a flipped connection (Zeek's `^`) seen only
  // from the responder side, e.g. SYN-ACK backscatter of a reflection attack.
  if (f.origPkts === 0) return false;
  if (f.proto === 'tcp') {
    // Zeek's history shows whether the originator's SYN was seen; without it
    // the packets are the middle or the end of an older connection (stale
    // keep-alives, late FINs and RSTs), not an attempt to connect.
    if (f.history !== null && !f.history.includes('S')) return false;
    const st = f.connState;
    // Unknown state (flow exports): a probe is one or two packets (SYN and a
    // retransmission) with nothing back. NetFlow records are unidirectional
    // (respPkts is always 0), so the packet count is what separates a probe
    // from either half of a real connection (SYN-ACK, data, FIN: ≥ 3).
    if (st === null) return f.respPkts === 0 && f.origPkts <= probeMaxPkts;
    if (ALWAYS_FAILED.has(st)) return true;
    if (st === 'OTH') return f.respPkts === 0 && !carriedPayload(f);
    if (st === 'RSTO' || st === 'RSTR') return !carriedPayload(f);
    return false;
  }
  if (f.proto === 'udp') return f.respPkts === 0;
  return false;
}
