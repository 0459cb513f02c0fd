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
import type { Flow } from './flow.js';
import { TCP_INACTIVE, TCP_RESET, TCP_SYN_ACK_SENT, TCP_SYN_SENT } from './tcp-endpoint.js';
import type { TcpSession } from './tcp-session.js';

/** Drops one-shot timers that fired at or before `nowSec` without removing the connection. */
export function clearFiredTcpTimers(s: TcpSession, nowSec: number): void {
  if (s.attemptAt <= nowSec) s.attemptAt = Number.NaN;
  if (s.partialCloseAt <= nowSec) s.partialCloseAt = Number.NaN;
  if (s.resetAt <= nowSec) s.resetAt = Number.NaN;
}

/** The event time at which the connection would be removed if no further packet came. */
export function computeTcpRemoveAt(flow: Flow, s: TcpSession, nowSec: number): number {
  let at = flow.lastTs + s.inactivitySec;
  if (!Number.isNaN(s.deleteAt) && s.deleteAt < at) at = s.deleteAt;
  if (!s.isActive) return at;
  const o = s.orig;
  const r = s.resp;
  if (!Number.isNaN(s.attemptAt) && (o.state === TCP_SYN_SENT || o.state === TCP_SYN_ACK_SENT) && r.state === TCP_INACTIVE) {
    if (s.attemptAt < at) at = s.attemptAt;
  }
  const anyReset = o.state === TCP_RESET || r.state === TCP_RESET;
  if (!Number.isNaN(s.partialCloseAt) && o.state !== TCP_INACTIVE && r.state !== TCP_INACTIVE && !(o.didClose && r.didClose) && !anyReset) {
    if (s.partialCloseAt < at) at = s.partialCloseAt;
  }
  if (!Number.isNaN(s.resetAt) && s.resetAt < at) at = s.resetAt;
  const expireWould =
    ((o.didClose || r.didClose) && ((o.didClose && r.didClose) || anyReset || o.state === TCP_INACTIVE || r.state === TCP_INACTIVE)) ||
    (o.state === TCP_INACTIVE && r.state === TCP_INACTIVE);
  if (expireWould) {
    // The chain fires at base + k * period; it removes at the first firing after lastTs + linger.
    const after = Math.max(flow.lastTs + s.timers.connectionLingerSec, nowSec);
    at = Math.min(at, nextChainFiring(s.expireChainAt, s.timers.sessionTimerSec, after), nextChainFiring(s.closeExpireChainAt, s.timers.sessionTimerSec, after));
  }
  return at;
}

function nextChainFiring(base: number, periodSec: number, afterSec: number): number {
  if (Number.isNaN(base)) return Number.POSITIVE_INFINITY;
  if (base > afterSec) return base;
  return base + (Math.floor((afterSec - base) / periodSec) + 1) * periodSec;
}
