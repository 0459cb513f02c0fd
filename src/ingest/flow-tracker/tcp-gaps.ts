/**
 * Content gaps as Zeek's TCP reassembler finds them (`TCP_Reassembler::
 * AckReceived` / `Gap`), without keeping any payload: per endpoint, the
 * relative sequence up to which data was seen contiguously (`eReassemNext`),
 * plus one range of captured data beyond a hole (`eBufStart`/`eBufEnd`,
 * enough for a reordered segment). When the peer acknowledges sequence space
 * past what was seen (the acknowledgement of a FIN not counting the FIN's
 * octet), the unseen part is a gap: it adds `G`/`g` to the history (at the
 * 1st, 10th, 100th... gap) and its length to `missed_bytes` — only while both
 * endpoints are cleanly established (ESTABLISHED, or CLOSED after
 * ESTABLISHED), as Zeek reports them. Payload the snap length cut off counts
 * as unseen, as in Zeek (such segments are not delivered to the reassembler).
 */
import type { FlowTable } from './flow-table.js';
import { TCP_CLOSED, TCP_ESTABLISHED } from './tcp-endpoint.js';

function isClean(t: FlowTable, e: number): boolean {
  const s = t.eState[e];
  return s === TCP_ESTABLISHED || (s === TCP_CLOSED && t.ePrevState[e] === TCP_ESTABLISHED);
}

/** Endpoint `e` sent `len` payload bytes at relative data sequence `seq`; `captured`: all of them are in the capture. */
export function noteTcpData(t: FlowTable, e: number, seq: number, len: number, captured: boolean): void {
  if (len <= 0 || !captured || Number.isNaN(seq)) return;
  const end = seq + len;
  const next = t.eReassemNext[e]!;
  if (seq <= next) {
    if (end > next) {
      t.eReassemNext[e] = end;
      absorbBuffer(t, e);
    }
    return;
  }
  // Beyond a hole: remember it if it touches the buffered range (or the buffer is empty).
  const bs = t.eBufStart[e]!;
  const be = t.eBufEnd[e]!;
  if (be <= bs) {
    t.eBufStart[e] = seq;
    t.eBufEnd[e] = end;
  } else if (seq <= be && end >= bs) {
    t.eBufStart[e] = Math.min(bs, seq);
    t.eBufEnd[e] = Math.max(be, end);
  }
}

function absorbBuffer(t: FlowTable, e: number): void {
  const bs = t.eBufStart[e]!;
  const be = t.eBufEnd[e]!;
  if (be <= bs) return;
  const next = t.eReassemNext[e]!;
  if (bs <= next) {
    if (be > next) t.eReassemNext[e] = be;
    t.eBufStart[e] = 0;
    t.eBufEnd[e] = 0;
  }
}

/** The peer acknowledged endpoint `e`'s data up to relative sequence `ack`. */
export function noteTcpAck(t: FlowTable, slot: number, e: number, ack: number): void {
  if (Number.isNaN(ack)) return;
  if (t.eFinCnt[e]! > 0 && ack >= t.eFinSeq[e]!) ack = t.eFinSeq[e]! - 1;
  const next = t.eReassemNext[e]!;
  if (ack <= next) return;
  // The unseen part: up to the buffered range when there is one in between.
  const bs = t.eBufStart[e]!;
  const be = t.eBufEnd[e]!;
  const hasBuffer = be > bs;
  const gapEnd = hasBuffer && bs < ack ? bs : ack;
  const missing = gapEnd - next;
  if (missing > 0 && isClean(t, e) && isClean(t, e ^ 1)) {
    t.missedBytes[slot] = t.missedBytes[slot]! + missing;
    const c = t.eGapCnt[e]! + 1;
    t.eGapCnt[e] = c;
    if (c === t.eGapThresh[e]) {
      t.history[slot] += (e & 1) === 0 ? 'G' : 'g';
      t.eGapThresh[e] = c >= 1e9 ? 0 : c * 10;
    }
  }
  t.eReassemNext[e] = gapEnd;
  absorbBuffer(t, e);
  if (t.eReassemNext[e]! < ack) t.eReassemNext[e] = ack;
}
