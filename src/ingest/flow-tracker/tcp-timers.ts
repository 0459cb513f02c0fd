/**
 * When Zeek's timers would remove a TCP connection, given its state after
 * the last packet (timers run on packet time, and only packets change the
 * state, so the answer is fixed until the next packet):
 *
 * - the delete timer `tcp_close_delay` after a complete close (both FINs, or a RST);
 * - the attempt timer `tcp_attempt_delay` after the first SYN, when the
 *   originator is still in SYN_SENT and the responder has said nothing (S0);
 * - the partial-close timer after a FIN from a side never seen before;
 * - the reset timer after a RST that follows this side's own FIN;
 * - the ExpireTimer chains (first `tcp_SYN_timeout` after creation, then every
 *   `tcp_session_timer`; another from a half close), which remove a connection
 *   idle for `tcp_connection_linger` once a side has closed;
 * - the inactivity timeout (60 s during the handshake, 300 s after, 1 h for
 *   established connections to 21, 22, 23, 513).
 */
import {
  EI_DID_CLOSE,
  EI_STATE,
  EP_I32,
  F_ATTEMPT_AT,
  F_CLOSE_EXPIRE_CHAIN_AT,
  F_DELETE_AT,
  F_EXPIRE_CHAIN_AT,
  F_INACTIVITY_SEC,
  F_LAST_TS,
  F_PARTIAL_CLOSE_AT,
  F_REMOVE_AT,
  F_RESET_AT,
  FLAG_TCP_ACTIVE,
  type FlowTable,
  I_FLAGS,
  SLOT_F64,
  SLOT_I32,
} from './flow-table.js';
import { TCP_INACTIVE, TCP_RESET, TCP_SYN_ACK_SENT, TCP_SYN_SENT } from './tcp-endpoint.js';
import type { TcpTimerSettings } from './tcp-session.js';

/** Drops one-shot timers that fired at or before `nowSec` without removing the connection. */
export function clearFiredTcpTimers(t: FlowTable, slot: number, nowSec: number): void {
  if (t.f64[slot * SLOT_F64 + F_ATTEMPT_AT]! <= nowSec) t.f64[slot * SLOT_F64 + F_ATTEMPT_AT] = Number.NaN;
  if (t.f64[slot * SLOT_F64 + F_PARTIAL_CLOSE_AT]! <= nowSec) t.f64[slot * SLOT_F64 + F_PARTIAL_CLOSE_AT] = Number.NaN;
  if (t.f64[slot * SLOT_F64 + F_RESET_AT]! <= nowSec) t.f64[slot * SLOT_F64 + F_RESET_AT] = Number.NaN;
}

/**
 * Stores in F_REMOVE_AT the event time at which the connection would be
 * removed if no further packet came, after packet `now`. It stores rather
 * than returns, and takes the packet rather than its time: a double returned
 * from or passed to a call that is not inlined is a heap number (15 MiB of a
 * capture-realistic-1100000.pcap run's garbage each, one per TCP packet).
 */
export function storeTcpRemoveAt(t: FlowTable, slot: number, now: { readonly tsSec: number }, timers: TcpTimerSettings): void {
  const lastTs = t.f64[slot * SLOT_F64 + F_LAST_TS]!;
  let at = lastTs + t.f64[slot * SLOT_F64 + F_INACTIVITY_SEC]!;
  const deleteAt = t.f64[slot * SLOT_F64 + F_DELETE_AT]!;
  if (deleteAt < at) at = deleteAt;
  if ((t.i32[slot * SLOT_I32 + I_FLAGS]! & FLAG_TCP_ACTIVE) === 0) {
    t.f64[slot * SLOT_F64 + F_REMOVE_AT] = at;
    return;
  }
  const os = t.u32[(slot * 2) * EP_I32 + EI_STATE]!;
  const rs = t.u32[(slot * 2 + 1) * EP_I32 + EI_STATE]!;
  const oClosed = t.u32[(slot * 2) * EP_I32 + EI_DID_CLOSE] !== 0;
  const rClosed = t.u32[(slot * 2 + 1) * EP_I32 + EI_DID_CLOSE] !== 0;
  const attemptAt = t.f64[slot * SLOT_F64 + F_ATTEMPT_AT]!;
  if (attemptAt < at && (os === TCP_SYN_SENT || os === TCP_SYN_ACK_SENT) && rs === TCP_INACTIVE) at = attemptAt;
  const anyReset = os === TCP_RESET || rs === TCP_RESET;
  const partialCloseAt = t.f64[slot * SLOT_F64 + F_PARTIAL_CLOSE_AT]!;
  if (partialCloseAt < at && os !== TCP_INACTIVE && rs !== TCP_INACTIVE && !(oClosed && rClosed) && !anyReset) at = partialCloseAt;
  const resetAt = t.f64[slot * SLOT_F64 + F_RESET_AT]!;
  if (resetAt < at) at = resetAt;
  const expireWould =
    ((oClosed || rClosed) && ((oClosed && rClosed) || anyReset || os === TCP_INACTIVE || rs === TCP_INACTIVE)) || (os === TCP_INACTIVE && rs === TCP_INACTIVE);
  if (expireWould) {
    // The chain fires at base + k * period; it removes at the first firing after lastTs + linger.
    const after = Math.max(lastTs + timers.connectionLingerSec, now.tsSec);
    at = Math.min(
      at,
      nextChainFiring(t.f64[slot * SLOT_F64 + F_EXPIRE_CHAIN_AT]!, timers.sessionTimerSec, after),
      nextChainFiring(t.f64[slot * SLOT_F64 + F_CLOSE_EXPIRE_CHAIN_AT]!, timers.sessionTimerSec, after),
    );
  }
  t.f64[slot * SLOT_F64 + F_REMOVE_AT] = at;
}

function nextChainFiring(base: number, periodSec: number, afterSec: number): number {
  if (Number.isNaN(base)) return Number.POSITIVE_INFINITY;
  if (base > afterSec) return base;
  return base + (Math.floor((afterSec - base) / periodSec) + 1) * periodSec;
}
