/**
 * Scan keys seen once, held in columns (typed arrays and arrays of shared
 * strings) instead of one object each: a flood of spoofed sources makes two
 * scan keys per record that are never seen again, and one object per key,
 * kept until it is evicted at the cap or idle for a long window, was most of
 * the detector's cost (young-generation copies, old-generation marking and
 * the bookkeeping of a wake-up queue and a recency index per object). A key
 * seen a second time leaves for the detector's object table, keeping its
 * `seq` (first-sightings.ts does the same for c2.beacon).
 *
 * The detector's one map from key id to row holds the row number of a key
 * kept here, so a record costs one lookup whichever table holds its key.
 *
 * 1. A row's numbers are one run of `NW` doubles of one Float64Array, its
 *    strings one run of `SW` cells of one array (`alive` and `listed` are
 *    bytes of their own, scanned for free numbers; its last activity is
 *    its ts, 0 when that is not after 0): a key seen again is
 *    made an object from its row, and with a typed array or an array per
 *    field that read touched a cache line per field, a dozen per promotion
 *    (scan.distributed's soleSetObject was 18 % of the detector's self time
 *    on capture-per-packet-1000000.pcap). `detector-cpu --detectors
 *    scan,scan.distributed --rounds 5` against the columns (f4d09f1):
 *    0.915× on conn-findings-heavy-2000000.log (faster in 5 of 5), 0.984×
 *    on capture-per-packet-1000000.pcap (4 of 5); 58 bytes a row, not 67.
 * 2. Each row is listed exactly once under the whole second of its `lastTs`
 *    (a timer wheel: span-lists.ts, a chain of blocks of one Int32Array
 *    per second, a heap of the seconds): a row's time never changes while it is here, so
 *    the list serves both the idle expiry (`expire`) and eviction at the cap
 *    (`takeLeast`). A row that leaves stays listed, dead, until its entry is
 *    passed; only then is its number reused, so an entry never stands for
 *    two rows. Lists are rebuilt when dead entries pile up.
 * Memory: about 66 bytes per row plus 4 per list entry (and a block per second listed).
 */
import { SpanLists } from './span-lists.js';

const MIN_ROWS = 64;
/**
 * Doubles per row in `num` (40 bytes), and their places; the last two
 * doubles are four Int32 cells of `ints` (its row's cells are `IW` from
 * `r * IW`): the hash, with bit 30 set for a vertical key (hashes are
 * below 2^30, as key-table.ts makes them), the entry, and two numbers the
 * detector keeps with the row (`add`'s `numA`, `numB`).
 */
const NW = 5;
const N_PORT = 0;
const N_SEQ = 1;
const N_TS = 2;
const IW = 2 * NW;
const I_HASH = 6;
const I_ENTRY = 7;
const I_A = 8;
const I_B = 9;
const VERTICAL_BIT = 1 << 30;
const HASH_MASK = VERTICAL_BIT - 1;
/** Cells per row in `str`, and their places. */
const SW = 6;
const S_ID = 0;
const S_SRC = 1;
const S_OTHER = 2;
const S_TARGET = 3;
const S_STATE = 4;
const S_PROBE = 5;

/** `K`: the detector's map keys (strings, or numbers too where a key is made of numbers). */
export class ScanSoleKeys<K extends string | number = string> {
  private cap = MIN_ROWS;
  private count = 0;
  /**
   * Row numbers past `top` were never used; below it, `free` of them are
   * free (neither alive nor listed). A new row takes the next free number
   * at or after `cursor` (next fit, wrapping) while at least an eighth of
   * the numbers are free, else a number past `top`: rows made one after
   * another get neighbouring numbers, whose cells share cache lines in
   * every column, and a list of a second holds ascending numbers. (Reusing
   * the last freed number first scattered new rows over the whole table
   * within a few idle windows, a cache miss per column per row.)
   */
  private top = 0;
  private free = 0;
  private cursor = 0;
  /** `alive[r]` is 1 while row r holds a key; `listed[r]` while it has an entry in a list. */
  alive = new Uint8Array(MIN_ROWS);
  private listed = new Uint8Array(MIN_ROWS);
  /** Per row, `NW` doubles, the last of them two cells of `ints` (a view of the same memory): see the accessors below. */
  private num = new Float64Array(MIN_ROWS * NW);
  private ints = new Int32Array(this.num.buffer);
  /** Per row, `SW` cells: its id and strings (see the accessors below). */
  private str: (K | string)[] = [];
  /** A row's last activity and `seq` (for `cutLeast`). */
  readonly order = { timeOf: (r: number): number => this.lastTsOf(r), seqOf: (r: number): number => this.num[r * NW + N_SEQ]! };

  /** Whether row `r` is scan.vertical's (else scan.horizontal's). */
  isVertical(r: number): boolean {
    return (this.ints[r * IW + I_HASH]! & VERTICAL_BIT) !== 0;
  }

  /** The key's id in the detector's map (its second part where ids have two: scan's first is `src`). */
  idOf(r: number): K {
    return this.str[r * SW + S_ID] as K;
  }

  /** The hash the detector's map holds the key under. */
  hashOf(r: number): number {
    return this.ints[r * IW + I_HASH]! & HASH_MASK;
  }

  /** The key's entry number in the detector's map (`KeyTable.add`), set by the detector: it drops the key by entry. */
  entryOf(r: number): number {
    return this.ints[r * IW + I_ENTRY]!;
  }

  setEntry(r: number, e: number): void {
    this.ints[r * IW + I_ENTRY] = e;
  }

  srcOf(r: number): string {
    return this.str[r * SW + S_SRC] as string;
  }

  /** Vertical: the host; horizontal: the proto. */
  otherOf(r: number): string {
    return this.str[r * SW + S_OTHER] as string;
  }

  /** Horizontal: the port; vertical: the port of the target where the detector keeps it here. */
  portOf(r: number): number {
    return this.num[r * NW + N_PORT]!;
  }

  /** The target (horizontal: the host), or where the detector keeps a vertical target's port in `port`, its proto. */
  targetOf(r: number): string {
    return this.str[r * SW + S_TARGET] as string;
  }

  stateOf(r: number): string {
    return this.str[r * SW + S_STATE] as string;
  }

  probeOf(r: number): string {
    return this.str[r * SW + S_PROBE] as string;
  }

  seqOf(r: number): number {
    return this.num[r * NW + N_SEQ]!;
  }

  /** The key's last activity (`ScanKey.lastTs`: 0 when the attempt's ts was not after 0). */
  lastTsOf(r: number): number {
    const ts = this.num[r * NW + N_TS]!;
    // As the detector's `if (ts > lastTs)` from 0: a NaN time leaves 0 (Math.max would give NaN).
    // biome-ignore lint/complexity/useMathMinMax: NaN must give 0
    return ts > 0 ? ts : 0;
  }

  /** The attempt's ts (`ScanKey.soleTs`). */
  tsOf(r: number): number {
    return this.num[r * NW + N_TS]!;
  }
  /**
   * Row numbers by the second of their `lastTs` (span-lists.ts: chains of
   * blocks in one Int32Array). An array per second grew as rows came and
   * lived an idle window: on conn-findings-heavy-2000000.log its growth was
   * 116 MB of the two scan detectors' allocation, and every list was copied
   * by scavenges and promoted.
   */
  private readonly lists = new SpanLists();
  /** Entries in `lists`, dead ones included. */
  private entries = 0;

  /** The rows `takeSecond` took last (its first `takeSecond()`), until it takes again. */
  taken = new Int32Array(64);

  /** Reads row `r`'s numbers and string cells (a hint: their cache lines are loaded ahead of use); returns what it read. */
  touch(r: number): number {
    return this.ints[r * IW + I_HASH]! ^ (this.str[r * SW + S_ID] === undefined ? 1 : 0);
  }

  /** Rows held. */
  get size(): number {
    return this.count;
  }

  /** The Int32s `numA` and `numB` given to `add` for row `r`. */
  numAOf(r: number): number {
    return this.ints[r * IW + I_A]!;
  }

  numBOf(r: number): number {
    return this.ints[r * IW + I_B]!;
  }

  /**
   * Adds a key seen once; returns its row. `numA`, `numB`: Int32s the
   * detector keeps with the row (scan.distributed: its source's and
   * target's addresses as the record carried them, so that a promotion
   * does not read the strings, a cache miss each).
   */
  add(id: K, hash: number, vertical: boolean, src: string, other: string, port: number, target: string, ts: number, state: string, probe: string, seq: number, numA = -1, numB = -1): number {
    const r = this.takeNumber();
    this.alive[r] = 1;
    const num = this.num;
    const o = r * NW;
    num[o + N_PORT] = port;
    num[o + N_SEQ] = seq;
    num[o + N_TS] = ts;
    const ints = this.ints;
    const i = r * IW;
    ints[i + I_HASH] = vertical ? hash | VERTICAL_BIT : hash;
    ints[i + I_A] = numA;
    ints[i + I_B] = numB;
    // In order: a new number's cells are appended (the array stays packed).
    const str = this.str;
    const c = r * SW;
    str[c + S_ID] = id;
    str[c + S_SRC] = src;
    str[c + S_OTHER] = other;
    str[c + S_TARGET] = target;
    str[c + S_STATE] = state;
    str[c + S_PROBE] = probe;
    this.count++;
    this.list(r);
    return r;
  }

  /** Drops row `r` (its key left: seen again, evicted or expired); the number is reused once its entry is passed. */
  remove(r: number): void {
    this.alive[r] = 0;
    // Let the strings go.
    const str = this.str;
    const c = r * SW;
    str[c + S_ID] = '';
    str[c + S_SRC] = '';
    str[c + S_OTHER] = '';
    str[c + S_TARGET] = '';
    str[c + S_STATE] = '';
    str[c + S_PROBE] = '';
    this.count--;
    if (this.listed[r] === 0) this.free++;
  }

  /** Drops every row with `watermark - lastTs > idleSec`, each shown to `drop` first (for the detector's map). */
  expire(watermark: number, idleSec: number, drop: (r: number) => void): void {
    const last = Math.floor(watermark - idleSec);
    const lists = this.lists;
    let kept: number[] | null = null;
    while (lists.earliest <= last) {
      const n = lists.take();
      const items = lists.items;
      this.entries -= n;
      for (let i = 0; i < n; i++) {
        const r = items[i]!;
        if (this.alive[r] === 0) {
          this.unlist(r);
          continue;
        }
        if (watermark - this.lastTsOf(r) > idleSec) {
          drop(r);
          this.unlist(r);
          this.remove(r);
        } else {
          kept ??= [];
          kept.push(r);
        }
      }
    }
    // Rows at the edge of rounding, not yet idle for long enough: listed again (under the same second) once the take is done.
    if (kept !== null) {
      for (let i = 0; i < kept.length; i++) this.addEntry(kept[i]!);
    }
  }

  /**
   * The `n` rows least recently active (by `lastTs`, ties by `seq`), all of
   * them when fewer, taken out of the lists but still held: the caller
   * removes them, or lists them again with `relist`.
   */
  takeLeast(n: number): number[] {
    const out: number[] = [];
    while (out.length < n && this.lists.earliest !== Number.POSITIVE_INFINITY) {
      const count = this.lists.take();
      const items = this.lists.items;
      this.entries -= count;
      const live: number[] = [];
      for (let i = 0; i < count; i++) {
        const r = items[i]!;
        this.unlist(r);
        if (this.alive[r] === 1) live.push(r);
      }
      const room = n - out.length;
      if (live.length <= room) {
        for (const r of live) out.push(r);
        continue;
      }
      // The second where the cut falls: its earliest rows go, the rest stay listed.
      const num = this.num;
      live.sort((a, b) => this.lastTsOf(a) - this.lastTsOf(b) || num[a * NW + N_SEQ]! - num[b * NW + N_SEQ]!);
      for (let i = 0; i < live.length; i++) {
        if (i < room) out.push(live[i]!);
        else this.list(live[i]!);
      }
    }
    return out;
  }

  /** The earliest second with rows listed (Infinity when none): where `takeSecond` takes next. */
  nextSecond(): number {
    return this.lists.earliest;
  }

  /**
   * Takes the rows of the second `nextSecond` gives into `taken` (the first
   * of it: returns how many), in no particular order, out of the lists but
   * still held: the caller removes them, or lists them again with `relist`.
   * One array reused, not an array pushed to per second: the eviction's
   * array of rows, emptied and grown again each second, was 92 MB of the
   * two scan detectors' allocation on capture-per-packet-1000000.pcap.
   */
  takeSecond(): number {
    const count = this.lists.take();
    const items = this.lists.items;
    this.entries -= count;
    if (this.taken.length < count) this.taken = new Int32Array(Math.max(count, 2 * this.taken.length));
    const taken = this.taken;
    const alive = this.alive;
    let n = 0;
    for (let i = 0; i < count; i++) {
      const r = items[i]!;
      this.unlist(r);
      if (alive[r] === 1) taken[n++] = r;
    }
    return n;
  }

  /** Lists again a row `takeLeast` or `takeSecond` gave that stays. */
  relist(r: number): void {
    this.list(r);
  }

  /** Live rows in `seq` order. */
  bySeq(): number[] {
    const out: number[] = [];
    for (let r = 0; r < this.top; r++) if (this.alive[r] === 1) out.push(r);
    const num = this.num;
    return out.sort((x, y) => num[x * NW + N_SEQ]! - num[y * NW + N_SEQ]!);
  }

  clear(): void {
    this.cap = MIN_ROWS;
    this.count = 0;
    this.top = 0;
    this.free = 0;
    this.cursor = 0;
    this.alive = new Uint8Array(MIN_ROWS);
    this.listed = new Uint8Array(MIN_ROWS);
    this.num = new Float64Array(MIN_ROWS * NW);
    this.ints = new Int32Array(this.num.buffer);
    this.str = [];
    this.lists.clear();
    this.entries = 0;
  }

  /** An entry of `r` was passed: a dead row's number is free again. */
  private unlist(r: number): void {
    this.listed[r] = 0;
    if (this.alive[r] === 0) this.free++;
  }

  /** A number for a new row (see `top`): amortised O(1), at most about eight numbers passed per row. */
  private takeNumber(): number {
    if (this.free > 0 && 8 * this.free >= this.top) {
      const alive = this.alive;
      const listed = this.listed;
      let c = this.cursor;
      for (let passed = 0; passed <= this.top; passed++, c++) {
        if (c >= this.top) c = 0;
        if (alive[c] === 0 && listed[c] === 0) {
          this.cursor = c + 1;
          this.free--;
          return c;
        }
      }
      // Not reached while `free` counts the free numbers; were it wrong, a new number beats an endless search.
      this.free = 0;
    }
    if (this.top === this.cap) this.grow();
    return this.top++;
  }

  private list(r: number): void {
    this.listed[r] = 1;
    this.addEntry(r);
    if (this.entries > 2 * this.count + 1024) this.rebuildLists();
  }

  /** An entry for row `r` under the second of its `lastTs` (its `listed` mark is the caller's). */
  private addEntry(r: number): void {
    this.lists.add(Math.floor(this.lastTsOf(r)), r);
    this.entries++;
  }

  /** Drops the dead entries from the lists (their numbers freed): O(entries), amortised O(1) per `list`. */
  private rebuildLists(): void {
    const live: number[] = [];
    while (this.lists.earliest !== Number.POSITIVE_INFINITY) {
      const count = this.lists.take();
      const items = this.lists.items;
      for (let i = 0; i < count; i++) {
        const r = items[i]!;
        if (this.alive[r] === 1) live.push(r);
        else this.unlist(r);
      }
    }
    // Each second's rows in the order they were listed (seconds are taken earliest first).
    this.entries = 0;
    for (let i = 0; i < live.length; i++) this.addEntry(live[i]!);
  }

  private grow(): void {
    const cap = this.cap * 2;
    const alive = new Uint8Array(cap);
    alive.set(this.alive);
    this.alive = alive;
    const listed = new Uint8Array(cap);
    listed.set(this.listed);
    this.listed = listed;
    const num = new Float64Array(cap * NW);
    num.set(this.num);
    this.num = num;
    this.ints = new Int32Array(num.buffer);
    this.cap = cap;
  }
}
