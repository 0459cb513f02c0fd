/**
 * Which connections are failed or unanswered attempts, the raw material of
 * scan detection (Zeek scan.zeek counts `connection_attempt`,
 * `connection_rejected` and resets without data; Slips counts connections
 * that were not established).
 *
 * TCP without the originator's SYN (`S` not in the history): a stealth
 * probe (nmap -sF/-sN/-sX/-sA/-sM/-sW: FIN, NULL, Xmas, ACK, Maimon, window)
 * when it did not become a connection — at most `probeMaxPkts` packets from
 * the originator, no payload either way, nothing from the responder but
 * resets (closed port) or nothing at all (filtered, or open for FIN/NULL/
 * Xmas), no role flip (`^`). Midstream pickups are not probes: anything
 * that carried data (Zeek OTH with `D`/`d`) or that the responder answered
 * with more than a reset, and a lone late packet of a server's old
 * connection (from a port below 1024 to an ephemeral port ≥ 1024) are
 * never counted. `probeTypeOf` names the probe.
 * TCP with the originator's SYN, by conn_state:
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
import { ipProtoOf } from '../ingest/ip-proto.js';

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

/**
 * A TCP record that did not end SF, or a UDP record without a response
 * packet: the records the scan detectors' read-ahead (`touchAhead`) reads
 * table slots for. A cheap hint, not a decision: isFailedAttempt decides.
 */
export function mayBeAttempt(f: FlowRecord): boolean {
  return f.proto === 'tcp' ? f.connState !== 'SF' : f.proto === 'udp' && f.respPkts === 0;
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
    if (f.history !== null && !f.history.includes('S')) return isStealthProbe(f, probeMaxPkts);
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

/**
 * A probe of an IP protocol (nmap -sO): a record of a transport other than
 * TCP, UDP and ICMP whose protocol number is known (FlowRecord.ipProto) and
 * that the responder sent nothing back on. Its "port" is the protocol
 * number (ipProtoOf). Records without a number (a Zeek log without
 * `ip_proto`) are not probes: their protocols cannot be told apart.
 */
export function isProtocolProbe(f: FlowRecord): boolean {
  return f.proto === 'unknown_transport' && f.origPkts > 0 && f.respPkts === 0 && ipProtoOf(f) >= 0;
}

/**
 * A TCP or UDP connection the responder answered with payload and that is not a failed attempt
 * (isFailedAttempt): an exchange that completed. A SYN or UDP flood's connections fail or go
 * unanswered, a connection flood's carry no data back; a busy client's requests are answered.
 */
export function isCompletedExchange(f: FlowRecord): boolean {
  if ((f.proto !== 'tcp' && f.proto !== 'udp') || f.origPkts === 0 || f.respPkts === 0) return false;
  const answeredData = (f.respBytes ?? 0) > 0 || f.history?.includes('d') === true;
  return answeredData && !isFailedAttempt(f);
}

/** Lowest ephemeral port: a lone packet from a service port below 1024 to one at or above it is a server's. */
const EPHEMERAL_MIN = 1024;

/** A TCP record without the originator's SYN that is a stealth scan probe (see the top of the file). */
function isStealthProbe(f: FlowRecord, probeMaxPkts: number): boolean {
  const h = f.history ?? '';
  if (h.includes('^') || carriedPayload(f)) return false;
  if (f.origPkts > probeMaxPkts || f.respPkts > f.origPkts) return false;
  if (f.origP < EPHEMERAL_MIN && f.respP >= EPHEMERAL_MIN) return false;
  for (let i = 0; i < h.length; i++) {
    const c = h[i]!;
    // Originator: FIN and pure ACK are probe packets (a NULL probe leaves no letter); the
    // responder: resets only. SYN-ACKs, data, the responder's FIN or ACK mean a connection.
    if (c === 'F' || c === 'A' || c === 'r') continue;
    return false;
  }
  return true;
}

export type ProbeType = 'syn' | 'fin' | 'null' | 'xmas' | 'ack' | 'maimon' | 'udp' | 'other';

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const PSH = 0x08;
const ACK = 0x10;
const URG = 0x20;

/**
 * The probe type of a failed attempt: from the originator's first TCP flags
 * when the capture gave them (`origFirstTcpFlags`), else from the history
 * letters (Zeek writes F for FIN, Xmas and Maimon alike: "fin").
 */
export function probeTypeOf(f: FlowRecord): ProbeType {
  if (f.proto === 'udp') return 'udp';
  if (f.proto !== 'tcp') return 'other';
  const flags = f.origFirstTcpFlags;
  if (flags !== undefined) {
    const x = flags & (FIN | SYN | RST | PSH | ACK | URG);
    if (x & SYN) return 'syn';
    if (x === 0) return 'null';
    if (x === (FIN | PSH | URG)) return 'xmas';
    if (x === (FIN | ACK)) return 'maimon';
    if (x === FIN) return 'fin';
    if (x === ACK) return 'ack';
    return 'other';
  }
  const h = f.history;
  if (h === null) return f.connState === null ? 'syn' : 'null';
  if (h.includes('S')) return 'syn';
  if (h.includes('F')) return 'fin';
  if (h.includes('A')) return 'ack';
  return 'null';
}
