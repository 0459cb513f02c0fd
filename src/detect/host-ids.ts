/**
 * Small integer ids for host addresses, counted by reference: a detector
 * looks a record's address up once and then works with the id (tables keyed
 * by integers, no string hashing per lookup).
 *
 * 1. `acquire(host)` gives the host's id, making one (a freed id first) if
 *    the host has none, and counts one more reference; `release(id)`
 *    counts one less and frees the id with the last reference, so the table
 *    holds exactly the hosts some state still refers to: its size is
 *    bounded by the caller's caps.
 * 2. `idOf(host)` only looks: -1 for a host no state refers to.
 * 3. `nameOf(id)` is the address string (kept while referenced).
 */
export class HostIds {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly refs: number[] = [];
  private readonly freeIds: number[] = [];

  /** Hosts held. */
  get size(): number {
    return this.ids.size;
  }

  /** The host's id, or -1 when nothing refers to it. */
  idOf(host: string): number {
    return this.ids.get(host) ?? -1;
  }

  nameOf(id: number): string {
    return this.names[id]!;
  }

  /** The host's id, with one more reference to it. */
  acquire(host: string): number {
    const id = this.ids.get(host);
    if (id === undefined) return this.add(host);
    this.refs[id]!++;
    return id;
  }

  /** A new id, with one reference, for a host that has none (`idOf` gave -1). */
  add(host: string): number {
    const id = this.freeIds.pop() ?? this.names.length;
    this.ids.set(host, id);
    this.names[id] = host;
    this.refs[id] = 1;
    return id;
  }

  /** One more reference to a held id. */
  retain(id: number): void {
    this.refs[id]!++;
  }

  /** One reference less; the id is freed with the last. */
  release(id: number): void {
    if (--this.refs[id]! > 0) return;
    this.ids.delete(this.names[id]!);
    this.names[id] = '';
    this.freeIds.push(id);
  }

  clear(): void {
    this.ids.clear();
    this.names.length = 0;
    this.refs.length = 0;
    this.freeIds.length = 0;
  }
}
