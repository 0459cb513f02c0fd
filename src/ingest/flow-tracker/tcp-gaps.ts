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
import { EP, EP_BUFEND, EP_BUFSTART, EP_FINCNT, EP_FINSEQ, EP_GAPCNT, EP_GAPTHRESH, EP_PREVSTATE, EP_REASSEMNEXT, EP_STATE } from './flow-table.js';
import type { FlowTable } from './flow-table.js';
import { TCP_CLOSED, TCP_ESTABLISHED } from './tcp-endpoint.js';

function isClean(t: FlowTable, e: number): boolean {
  const s = t.ep[e * EP + EP_STATE];
  return s === TCP_ESTABLISHED || (s === TCP_CLOSED && t.ep[e * EP + EP_PREVSTATE] === TCP_ESTABLISHED);
}

/** Endpoint `e` sent `len` payload bytes at relative data sequence `seq`; `captured`: all of them are in the capture. */
export function noteTcpData(t: FlowTable, e: number, seq: number, len: number, captured: boolean): void {
  if (len <= 0 || !captured || Number.isNaN(seq)) return;
  const end = seq + len;
  const next = t.ep[e * EP + EP_REASSEMNEXT]!;
  if (seq <= next) {
    if (end > next) {
      t.ep[e * EP + EP_REASSEMNEXT] = end;
      absorbBuffer(t, e);
    }
    return;
  }
  // Beyond a hole: remember it if it touches the buffered range (or the buffer is empty).
  const bs = t.ep[e * EP + EP_BUFSTART]!;
  const be = t.ep[e * EP + EP_BUFEND]!;
  if (be <= bs) {
    t.ep[e * EP + EP_BUFSTART] = seq;
    t.ep[e * EP + EP_BUFEND] = end;
  } else if (seq <= be && end >= bs) {
    t.ep[e * EP + EP_BUFSTART] = Math.min(bs, seq);
    t.ep[e * EP + EP_BUFEND] = Math.max(be, end);
  }
}

function absorbBuffer(t: FlowTable, e: number): void {
  const bs = t.ep[e * EP + EP_BUFSTART]!;
  const be = t.ep[e * EP + EP_BUFEND]!;
  if (be <= bs) return;
  const next = t.ep[e * EP + EP_REASSEMNEXT]!;
  if (bs <= next) {
    if (be > next) t.ep[e * EP + EP_REASSEMNEXT] = be;
    t.ep[e * EP + EP_BUFSTART] = 0;
    t.ep[e * EP + EP_BUFEND] = 0;
  }
}

/** The peer acknowledged endpoint `e`'s data up to relative sequence `ack`. */
export function noteTcpAck(t: FlowTable, slot: number, e: number, ack: number): void {
  if (Number.isNaN(ack)) return;
  if (t.ep[e * EP + EP_FINCNT]! > 0 && ack >= t.ep[e * EP + EP_FINSEQ]!) ack = t.ep[e * EP + EP_FINSEQ]! - 1;
  const next = t.ep[e * EP + EP_REASSEMNEXT]!;
  if (ack <= next) return;
  // The unseen part: up to the buffered range when there is one in between.
  const bs = t.ep[e * EP + EP_BUFSTART]!;
  const be = t.ep[e * EP + EP_BUFEND]!;
  const hasBuffer = be > bs;
  const gapEnd = hasBuffer && bs < ack ? bs : ack;
  const missing = gapEnd - next;
  if (missing > 0 && isClean(t, e) && isClean(t, e ^ 1)) {
    t.missedBytes[slot] = t.missedBytes[slot]! + missing;
    const c = t.ep[e * EP + EP_GAPCNT]! + 1;
    t.ep[e * EP + EP_GAPCNT] = c;
    if (c === t.ep[e * EP + EP_GAPTHRESH]) {
      t.history[slot] += (e & 1) === 0 ? 'G' : 'g';
      t.ep[e * EP + EP_GAPTHRESH] = c >= 1e9 ? 0 : c * 10;
    }
  }
  t.ep[e * EP + EP_REASSEMNEXT] = gapEnd;
  absorbBuffer(t, e);
  if (t.ep[e * EP + EP_REASSEMNEXT]! < ack) t.ep[e * EP + EP_REASSEMNEXT] = ack;
}
