/**
 * A table keyed by (host, port, proto) without building a key string per
 * record: a map of hosts to maps of port × proto codes. Building
 * `${host}|${port}|${proto}` for every flow of a 2M-line log costs more
 * than the rest of the report's bookkeeping.
 */
import type { Proto } from '../types.js';

const PROTO_CODE: Record<Proto, number> = { tcp: 0, udp: 1, icmp: 2, unknown_transport: 3 };

export class HostPortTable<T> {
  private readonly hosts = new Map<string, Map<number, T>>();
  size = 0;

  get(host: string, port: number, proto: Proto): T | undefined {
    return this.hosts.get(host)?.get(port * 4 + PROTO_CODE[proto]);
  }

  set(host: string, port: number, proto: Proto, value: T): void {
    let m = this.hosts.get(host);
    if (m === undefined) {
      m = new Map();
      this.hosts.set(host, m);
    }
    const k = port * 4 + PROTO_CODE[proto];
    if (!m.has(k)) this.size++;
    m.set(k, value);
  }

  *values(): IterableIterator<T> {
    for (const m of this.hosts.values()) yield* m.values();
  }

  /** Deletes every entry `drop` says to (one pass, emptied hosts too); returns how many. */
  deleteWhere(drop: (v: T) => boolean): number {
    let n = 0;
    for (const [host, m] of this.hosts) {
      for (const [k, v] of m) {
        if (drop(v)) {
          m.delete(k);
          n++;
        }
      }
      if (m.size === 0) this.hosts.delete(host);
    }
    this.size -= n;
    return n;
  }
}
