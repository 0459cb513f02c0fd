/**
 * The current second's per-connection packet counts of packet-ticks.ts, one
 * row per connection counted in the second, in the order the connections were
 * first counted. A row holds what its ticks need (both endpoints' address
 * text, IPv4 number, address hash and port, and the transport), copied from
 * the flow table when the row is made, while the connection's record is in
 * cache from the packet's work.
 *
 * Why rows and not the flow table's own records: the ticks of a second are
 * summed when the next second begins, and reading the fields back from the
 * records then (one 512-byte record per connection, last touched up to a
 * second before) missed the cache on nearly every one: 240k such reads on
 * the 1.1M-packet realistic bench capture. The rows are read in order from a
 * few typed arrays.
 *
 * A row follows its connection's roles: the flow table reports a role flip
 * (FlowTable.onFlip) and the row's two sides are swapped, as the record's
 * are, so that the originator's tick still comes first.
 */
import { grownFloat64, grownInt32 } from '../../util/grown-array.js';
export class TickRows {
  /** Rows in use, `[0, count)`. */
  count = 0;
  /** The connection's slot, or -1 once its ticks were taken (the connection ended within the second). */
  slot = new Int32Array(INITIAL_ROWS);
  proto = new Int32Array(INITIAL_ROWS);
  origHost: string[] = [];
  respHost: string[] = [];
  /** IPv4 address as an unsigned number, or -1. */
  origV4 = new Float64Array(INITIAL_ROWS);
  respV4 = new Float64Array(INITIAL_ROWS);
  /** `hashAddress` of the address (the flow table's I_ORIG_AH / I_RESP_AH). */
  origAh = new Int32Array(INITIAL_ROWS);
  respAh = new Int32Array(INITIAL_ROWS);
  /** The endpoint's port (0 for transports without ports). */
  origPort = new Int32Array(INITIAL_ROWS);
  respPort = new Int32Array(INITIAL_ROWS);
  /** Packets and IP bytes sent by the originator (to the responder), and by the responder. */
  origPkts = new Int32Array(INITIAL_ROWS);
  respPkts = new Int32Array(INITIAL_ROWS);
  origBytes = new Float64Array(INITIAL_ROWS);
  respBytes = new Float64Array(INITIAL_ROWS);

  /** A new row with zero counts; returns its index. */
  add(
    slot: number,
    proto: number,
    origHost: string,
    origV4: number,
    origAh: number,
    origPort: number,
    respHost: string,
    respV4: number,
    respAh: number,
    respPort: number,
  ): number {
    if (this.count === this.slot.length) this.grow();
    const k = this.count++;
    this.slot[k] = slot;
    this.proto[k] = proto;
    this.origHost[k] = origHost;
    this.respHost[k] = respHost;
    this.origV4[k] = origV4;
    this.respV4[k] = respV4;
    this.origAh[k] = origAh;
    this.respAh[k] = respAh;
    this.origPort[k] = origPort;
    this.respPort[k] = respPort;
    this.origPkts[k] = 0;
    this.respPkts[k] = 0;
    this.origBytes[k] = 0;
    this.respBytes[k] = 0;
    return k;
  }

  /** The connection of row `k` swapped its roles. */
  flip(k: number): void {
    swap(this.origHost, this.respHost, k);
    swap(this.origV4, this.respV4, k);
    swap(this.origAh, this.respAh, k);
    swap(this.origPort, this.respPort, k);
    swap(this.origPkts, this.respPkts, k);
    swap(this.origBytes, this.respBytes, k);
  }

  private grow(): void {
    const n = this.slot.length * 2;
    this.slot = grownInt32(this.slot, n);
    this.proto = grownInt32(this.proto, n);
    this.origV4 = grownFloat64(this.origV4, n);
    this.respV4 = grownFloat64(this.respV4, n);
    this.origAh = grownInt32(this.origAh, n);
    this.respAh = grownInt32(this.respAh, n);
    this.origPort = grownInt32(this.origPort, n);
    this.respPort = grownInt32(this.respPort, n);
    this.origPkts = grownInt32(this.origPkts, n);
    this.respPkts = grownInt32(this.respPkts, n);
    this.origBytes = grownFloat64(this.origBytes, n);
    this.respBytes = grownFloat64(this.respBytes, n);
  }
}

const INITIAL_ROWS = 1024;

function swap<T>(a: { [k: number]: T }, b: { [k: number]: T }, k: number): void {
  const x = a[k]!;
  a[k] = b[k]!;
  b[k] = x;
}

