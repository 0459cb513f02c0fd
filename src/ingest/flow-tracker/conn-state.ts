/**
 * Zeek's `conn_state` (the `conn_state()` function of
 * scripts/base/protocols/conn/main.zeek), from the endpoint states:
 *
 * - TCP: REJ / RSTR / RSTRH when the responder reset; RSTOS0 / RSTO / OTH
 *   when the originator reset; SF both closed; SH / S2 originator closed;
 *   SHR / S3 responder closed; S0 SYN with no reply; S1 established; else OTH.
 * - UDP: SF both sides sent, S0 originator only, SHR responder only, OTH none.
 * - ICMP and other transports: OTH.
 */
import {
  EI_STATE,
  EP_I32,
  F_ORIG_PKTS,
  F_RESP_PKTS,
  FLAG_ORIG_SEEN,
  FLAG_RESP_SEEN,
  type FlowTable,
  I_FLAGS,
  I_PROTO,
  PROTO_TCP,
  PROTO_UDP,
  SLOT_F64,
  SLOT_I32,
} from './flow-table.js';
import {
  computeEndpointSize,
  isInactiveState,
  TCP_CLOSED,
  TCP_ESTABLISHED,
  TCP_INACTIVE,
  TCP_RESET,
  TCP_SYN_ACK_SENT,
  TCP_SYN_SENT,
} from './tcp-endpoint.js';

const RSTOS0_HISTORY = /^\^?S[^HAFGIQ]*R.*$/;

export function computeConnState(t: FlowTable, slot: number): string {
  const proto = t.i32[slot * SLOT_I32 + I_PROTO];
  if (proto === PROTO_TCP) {
    const oe = slot * 2;
    const o = t.u32[oe * EP_I32 + EI_STATE]!;
    const r = t.u32[(oe + 1) * EP_I32 + EI_STATE]!;
    const oInactive = isInactiveState(o);
    const rInactive = isInactiveState(r);
    if (r === TCP_RESET) {
      if (o === TCP_SYN_SENT || o === TCP_SYN_ACK_SENT || (o === TCP_RESET && computeEndpointSize(t, oe) === 0 && computeEndpointSize(t, oe + 1) === 0)) return 'REJ';
      return oInactive ? 'RSTRH' : 'RSTR';
    }
    if (o === TCP_RESET) {
      if (rInactive) return RSTOS0_HISTORY.test(t.history(slot)) ? 'RSTOS0' : 'OTH';
      return 'RSTO';
    }
    if (o === TCP_CLOSED && r === TCP_CLOSED) return 'SF';
    if (o === TCP_CLOSED) return rInactive ? 'SH' : 'S2';
    if (r === TCP_CLOSED) return oInactive ? 'SHR' : 'S3';
    if (o === TCP_SYN_SENT && r === TCP_INACTIVE) return 'S0';
    if (o === TCP_ESTABLISHED && r === TCP_ESTABLISHED) return 'S1';
    return 'OTH';
  }
  if (proto === PROTO_UDP) {
    const f = t.i32[slot * SLOT_I32 + I_FLAGS]!;
    const oActive = (f & FLAG_ORIG_SEEN) !== 0 || t.f64[slot * SLOT_F64 + F_ORIG_PKTS]! > 0;
    const rActive = (f & FLAG_RESP_SEEN) !== 0 || t.f64[slot * SLOT_F64 + F_RESP_PKTS]! > 0;
    if (oActive && rActive) return 'SF';
    if (oActive) return 'S0';
    if (rActive) return 'SHR';
    return 'OTH';
  }
  return 'OTH';
}
