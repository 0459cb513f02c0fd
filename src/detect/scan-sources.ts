/**
 * The sources of every scan.distributed target set, in one slab: each set
 * holds a handle (a small integer) to a block of the slab, its sources in
 * the order they came, one run of `W` doubles each: its name's key, its
 * sole target's key, the time of that target's last probe, its probes and
 * its first and last probe. A map of a source's targets is made only once
 * it probed a second one, and a map from name to index once a set holds
 * more than `SMALL` sources (a scan of the keys finds one before that).
 *
 * Names and targets are keys, not strings: a dotted quad is its Int32
 * value (as FlowRecord.origV4 has it, parsed when a record has none), a
 * vertical set's port target a number the caller chooses (see the
 * constructor's `targetText`), anything else (IPv6, odd ports) a key below
 * every Int32 (`TEXT_KEY - hashOfName`) with its text in a per-set array
 * aside. The text of a dotted quad is made again when a finding or a
 * checkpoint needs it (`dottedQuadText`).
 *
 * Why: the one-flow-per-packet capture (1M packets, each a new flow from
 * a random source) holds some 650,000 sources in about 93,000 sets at the
 * 200,000-set cap. With an object per set holding a `string[]` of names and
 * targets and a `number[]` of numbers (each grown with V8's slack), and
 * every source's address string kept alive, they took about 100 MB of the
 * heap (heap snapshot of `analyze --no-model` at 17 s); here they are
 * blocks of power-of-two capacities in 512 KB pages of doubles, freed
 * blocks reused by size.
 */

import { dottedQuadText, dottedQuadValue } from './dotted-quad.js';

/** Sources found by scanning keys; more and a map is made. */
const SMALL = 16;
/** Doubles per source: name key, sole target key, sole target ts, probes, first ts, last ts. */
const W = 6;
const NAME = 0;
const TARGET = 1;
const SOLE_TS = 2;
const PROBES = 3;
const FIRST_TS = 4;
const LAST_TS = 5;

/** Sources in a set's first block. */
const FIRST_CAPACITY = 2;
/** Keys of names and targets held as text are TEXT_KEY − their hash (below every Int32 key). */
const TEXT_KEY = -4294967296;
const INT32_MIN = -2147483648;
const NO_PAGE = new Float64Array(0);
/** Int32s per handle in `meta`: block address, sources, capacity, flags. */
const M = 4;
const ADDR = 0;
const LEN = 1;
const CAP = 2;
const FLAGS = 3;
/** `meta` flags: the handle has a targets array, a name map, a text array. */
const HAS_TARGETS = 1;
const HAS_BY_NAME = 2;
const HAS_TEXT = 4;
/** Doubles per page (a block larger than a page gets a page of its own); a block's address is page × PAGE + offset. */
const PAGE_SHIFT = 16;
const PAGE = 1 << PAGE_SHIFT;
const PAGE_MASK = PAGE - 1;

/** The key of address `s` (`v4`: its Int32 as a record carries it, -1 or undefined when it has none; `h`: its `hashOfName`). */
export function addressKey(s: string, v4: number | undefined, h: number): number {
  if (v4 !== undefined && v4 !== -1) return v4;
  const q = dottedQuadValue(s);
  return q >= 0 ? q | 0 : TEXT_KEY - h;
}

/** The key of a name or target held as text (hash: its `hashOfName`). */
export function textKey(h: number): number {
  return TEXT_KEY - h;
}

/** Whether a key stands for text held aside (else it is a number the holder decodes). */
export function isTextKey(key: number): boolean {
  return key < INT32_MIN;
}

function isText(key: number): boolean {
  return key < INT32_MIN;
}

export class ScanSources {
  private pages: Float64Array[] = [];
  /** The page blocks are cut from, and the first free double in it. */
  private cur = -1;
  private top = PAGE;
  /** Per size class (FIRST_CAPACITY << class sources): free blocks, by address. */
  private readonly freeBlocks: number[][] = [];
  /** Pages of large blocks given back (their slots in `pages` are reused). */
  private readonly freePages: number[] = [];
  /**
   * Per handle, side by side (one cache line for the lot): its block's address, its sources, its
   * capacity and its flags (which of the arrays below it has: those are read only when the flag is set).
   */
  private meta = new Int32Array(64 * M);
  /** Per handle its kind (given to targetText). */
  private kind = new Uint8Array(64);
  /** Per handle: per source the map of its targets (null for a source of one), the array null until one needs it. */
  private targets: ((Map<string, number> | null)[] | null)[] = [];
  private byName: (Map<string, number> | null)[] = [];
  /** Per handle: per source its name's and its target's text where the key is a text key ('' elsewhere); null until one is. */
  private text: (string[] | null)[] = [];
  private handles = 0;
  private readonly freeHandles: number[] = [];

  /** `targetText(key, kind)`: the text of a target key that is not a text key, in a set of that kind. */
  constructor(private readonly targetText: (key: number, kind: number) => string) {}

  /** A new empty list of sources for a set of `kind` (0–255); its handle. */
  make(kind: number): number {
    let h = this.freeHandles.pop();
    if (h === undefined) {
      h = this.handles++;
      if (h === this.kind.length) this.growHandles();
      this.targets.push(null);
      this.byName.push(null);
      this.text.push(null);
    }
    const m = h * M;
    this.meta[m + LEN] = 0;
    this.meta[m + CAP] = 0;
    this.meta[m + FLAGS] = 0;
    this.kind[h] = kind;
    return h;
  }

  /** Gives the list back (the handle may be reused). */
  free(h: number): void {
    const m = h * M;
    const meta = this.meta;
    if (meta[m + CAP]! > 0) this.releaseBlock(meta[m + ADDR]!, meta[m + CAP]!);
    meta[m + CAP] = 0;
    meta[m + LEN] = 0;
    if (meta[m + FLAGS] !== 0) {
      meta[m + FLAGS] = 0;
      this.targets[h] = null;
      this.byName[h] = null;
      this.text[h] = null;
    }
    this.freeHandles.push(h);
  }

  /** Forgets every list. */
  clear(): void {
    this.pages = [];
    this.cur = -1;
    this.top = PAGE;
    this.freeBlocks.length = 0;
    this.freePages.length = 0;
    this.targets = [];
    this.byName = [];
    this.text = [];
    this.handles = 0;
    this.freeHandles.length = 0;
  }

  size(h: number): number {
    return this.meta[h * M + LEN]!;
  }

  /** The index of the source named `src` (`key`: its `addressKey`), or -1. */
  /** Reads the handle `h`'s entry (a hint, as `touchBlock`); returns its block's address. */
  touchHandle(h: number): number {
    return this.meta[h * M + ADDR]!;
  }

  /** Reads the first source of the block at address `a` (`touchHandle`'s; a hint: its cache line is loaded ahead of use). */
  touchBlock(a: number): number {
    const p = this.pages[a >>> PAGE_SHIFT];
    return p === undefined ? 0 : p[(a & PAGE_MASK) + NAME]! | 0;
  }

  find(h: number, key: number, src: string): number {
    const m = h * M;
    const meta = this.meta;
    if ((meta[m + FLAGS]! & HAS_BY_NAME) !== 0) return this.byName[h]!.get(src) ?? -1;
    const a = meta[m + ADDR]!;
    const p = this.pages[a >>> PAGE_SHIFT]!;
    const n = meta[m + LEN]!;
    for (let i = 0, o = (a & PAGE_MASK) + NAME; i < n; i++, o += W) if (p[o] === key && (!isText(key) || this.text[h]![2 * i] === src)) return i;
    return -1;
  }

  /**
   * Adds a source not held, as the newest, with its first probe (of target
   * `tkey`, text `target`, at `ts`); its index. Here and in `probe` and
   * `restore` the text of a key that is not a text key may be given as ''
   * (it is made by `targetText` where needed).
   */
  add(h: number, key: number, src: string, tkey: number, target: string, ts: number): number {
    return this.restore(h, key, src, tkey, target, ts, null, 1, ts, ts);
  }

  /** Adds a source as the state keeps it (`targets` null: target `tkey` at `soleTs` only); its index. */
  restore(h: number, key: number, src: string, tkey: number, target: string, soleTs: number, targets: Map<string, number> | null, probes: number, firstTs: number, lastTs: number): number {
    const m = h * M;
    const i = this.meta[m + LEN]!;
    if (i === this.meta[m + CAP]) this.growBlock(h);
    const meta = this.meta;
    const a = meta[m + ADDR]!;
    const p = this.pages[a >>> PAGE_SHIFT]!;
    const o = (a & PAGE_MASK) + i * W;
    p[o + NAME] = key;
    p[o + TARGET] = tkey;
    p[o + SOLE_TS] = soleTs;
    p[o + PROBES] = probes;
    p[o + FIRST_TS] = firstTs;
    p[o + LAST_TS] = lastTs;
    meta[m + LEN] = i + 1;
    const flags = meta[m + FLAGS]!;
    if (flags !== 0 || isText(key) || isText(tkey) || targets !== null || i + 1 > SMALL) this.restoreAside(h, i, key, src, tkey, target, targets);
    return i;
  }

  /** What `restore` keeps aside for source `i`: its texts, its target map, its place in the name map. */
  private restoreAside(h: number, i: number, key: number, src: string, tkey: number, target: string, targets: Map<string, number> | null): void {
    const flags = this.meta[h * M + FLAGS]!;
    if ((flags & HAS_TEXT) !== 0 || isText(key) || isText(tkey)) {
      const t = this.textOf(h);
      while (t.length < 2 * i + 2) t.push('');
      t[2 * i] = isText(key) ? src : '';
      t[2 * i + 1] = isText(tkey) ? target : '';
    }
    if (targets !== null) this.targetsArray(h)[i] = targets;
    else if ((flags & HAS_TARGETS) !== 0) this.targets[h]!.push(null);
    if ((flags & HAS_BY_NAME) !== 0) this.byName[h]!.set(src, i);
    else if (i + 1 > SMALL) {
      const made = new Map<string, number>();
      for (let k = 0; k < i; k++) made.set(this.name(h, k), k);
      made.set(src, i);
      this.byName[h] = made;
      this.meta[h * M + FLAGS]! |= HAS_BY_NAME;
    }
  }

  /**
   * Another probe by source `i`, of target `tkey` (text `target`) at `ts`:
   * counts it, widens the source's first and last times and moves the
   * target to the newest end with `ts`; true when it is a new target (not
   * counted past `cap` targets).
   */
  probe(h: number, i: number, tkey: number, target: string, ts: number, cap: number): boolean {
    const m = h * M;
    const a = this.meta[m + ADDR]!;
    const p = this.pages[a >>> PAGE_SHIFT]!;
    const o = (a & PAGE_MASK) + i * W;
    p[o + PROBES]!++;
    if (ts > p[o + LAST_TS]!) p[o + LAST_TS] = ts;
    if (ts < p[o + FIRST_TS]!) p[o + FIRST_TS] = ts;
    let map = (this.meta[m + FLAGS]! & HAS_TARGETS) !== 0 ? this.targets[h]![i]! : null;
    if (map === null) {
      if (tkey === p[o + TARGET] && (!isText(tkey) || this.text[h]![2 * i + 1] === target)) {
        p[o + SOLE_TS] = ts;
        return false;
      }
      map = new Map([[this.soleTarget(h, i), p[o + SOLE_TS]!]]);
      this.targetsArray(h)[i] = map;
    }
    if (target === '' && !isText(tkey)) target = this.targetText(tkey, this.kind[h]!);
    const had = map.has(target);
    if (had) map.delete(target);
    else if (map.size >= cap) return false;
    map.set(target, ts);
    return !had;
  }

  name(h: number, i: number): string {
    const key = this.at(h, i, NAME);
    return isText(key) ? this.text[h]![2 * i]! : dottedQuadText(key);
  }

  probes(h: number, i: number): number {
    return this.at(h, i, PROBES);
  }

  firstTs(h: number, i: number): number {
    return this.at(h, i, FIRST_TS);
  }

  lastTs(h: number, i: number): number {
    return this.at(h, i, LAST_TS);
  }

  /** Distinct targets of source `i`. */
  targetCount(h: number, i: number): number {
    const map = this.targetMapOf(h, i);
    return map !== null ? map.size : 1;
  }

  /** Adds source `i`'s targets to `union`. */
  addTargets(h: number, union: Set<string>, i: number): void {
    const map = this.targetMapOf(h, i);
    if (map === null) union.add(this.soleTarget(h, i));
    else for (const t of map.keys()) union.add(t);
  }

  /** Source `i`'s targets with their last probe ts, oldest first (a new map for a source of one target). */
  targetMap(h: number, i: number): Map<string, number> {
    return this.targetMapOf(h, i) ?? new Map([[this.soleTarget(h, i), this.at(h, i, SOLE_TS)]]);
  }

  /** Drops the sources for which `drop(i)` holds; the others keep their order (and are renumbered). */
  removeWhere(h: number, drop: (i: number) => boolean): void {
    const m = h * M;
    const n = this.meta[m + LEN]!;
    const a = this.meta[m + ADDR]!;
    const p = this.pages[a >>> PAGE_SHIFT]!;
    const base = a & PAGE_MASK;
    const flags = this.meta[m + FLAGS]!;
    const t = (flags & HAS_TEXT) !== 0 ? this.text[h]! : null;
    const ta = (flags & HAS_TARGETS) !== 0 ? this.targets[h]! : null;
    let w = 0;
    for (let i = 0; i < n; i++) {
      if (drop(i)) continue;
      if (w !== i) {
        p.copyWithin(base + w * W, base + i * W, base + (i + 1) * W);
        if (t !== null) {
          t[2 * w] = t[2 * i]!;
          t[2 * w + 1] = t[2 * i + 1]!;
        }
        if (ta !== null) ta[w] = ta[i]!;
      }
      w++;
    }
    if (w === n) return;
    this.meta[m + LEN] = w;
    if (t !== null) t.length = 2 * w;
    if (ta !== null) ta.length = w;
    if ((flags & HAS_BY_NAME) !== 0) {
      const byName = this.byName[h]!;
      byName.clear();
      for (let i = 0; i < w; i++) byName.set(this.name(h, i), i);
    }
  }

  /**
   * Drops the sources idle for more than `idleSec` at `now` (`now - lastTs >
   * idleSec`), as `removeWhere` would: most sets have none, found by a scan
   * of the last times with no callback made or called.
   */
  removeIdle(h: number, now: number, idleSec: number): void {
    const m = h * M;
    const n = this.meta[m + LEN]!;
    const a = this.meta[m + ADDR]!;
    const p = this.pages[a >>> PAGE_SHIFT]!;
    let i = 0;
    for (let o = (a & PAGE_MASK) + LAST_TS; i < n; i++, o += W) if (now - p[o]! > idleSec) break;
    if (i === n) return;
    this.removeWhere(h, (k) => now - this.at(h, k, LAST_TS) > idleSec);
  }

  /** Field `f` of source `i`. */
  private at(h: number, i: number, f: number): number {
    const a = this.meta[h * M + ADDR]!;
    return this.pages[a >>> PAGE_SHIFT]![(a & PAGE_MASK) + i * W + f]!;
  }

  /** Source `i`'s map of targets, or null (one target). */
  private targetMapOf(h: number, i: number): Map<string, number> | null {
    return (this.meta[h * M + FLAGS]! & HAS_TARGETS) !== 0 ? this.targets[h]![i]! : null;
  }

  /** The text of source `i`'s sole target. */
  private soleTarget(h: number, i: number): string {
    const key = this.at(h, i, TARGET);
    return isText(key) ? this.text[h]![2 * i + 1]! : this.targetText(key, this.kind[h]!);
  }

  private textOf(h: number): string[] {
    if ((this.meta[h * M + FLAGS]! & HAS_TEXT) === 0) {
      this.text[h] = new Array<string>(2 * this.meta[h * M + LEN]!).fill('');
      this.meta[h * M + FLAGS]! |= HAS_TEXT;
    }
    return this.text[h]!;
  }

  private targetsArray(h: number): (Map<string, number> | null)[] {
    if ((this.meta[h * M + FLAGS]! & HAS_TARGETS) === 0) {
      this.targets[h] = new Array<Map<string, number> | null>(this.meta[h * M + LEN]!).fill(null);
      this.meta[h * M + FLAGS]! |= HAS_TARGETS;
    }
    return this.targets[h]!;
  }

  /** Moves a full list to a block twice as large (the first block for an empty one). */
  private growBlock(h: number): void {
    const m = h * M;
    const cap = this.meta[m + CAP]!;
    const next = cap === 0 ? FIRST_CAPACITY : 2 * cap;
    const to = this.takeBlock(next);
    if (cap > 0) {
      const from = this.meta[m + ADDR]!;
      const fo = from & PAGE_MASK;
      const too = to & PAGE_MASK;
      const src = this.pages[from >>> PAGE_SHIFT]!;
      const dst = this.pages[to >>> PAGE_SHIFT]!;
      // Cell by cell: a `subarray` view to `set` from was an object per move, 24 MB of
      // `analyze --no-model`'s 1.8 GB allocated on capture-per-packet-1000000.pcap (allocprof.cjs).
      for (let k = 0, n = this.meta[m + LEN]! * W; k < n; k++) dst[too + k] = src[fo + k]!;
      this.releaseBlock(from, cap);
    }
    this.meta[m + ADDR] = to;
    this.meta[m + CAP] = next;
  }

  /** A free block of `cap` sources; its address. */
  private takeBlock(cap: number): number {
    const need = cap * W;
    if (need > PAGE) {
      const pi = this.freePages.pop() ?? this.pages.length;
      this.pages[pi] = new Float64Array(need);
      return pi * PAGE;
    }
    const free = this.freeBlocks[classOf(cap)];
    if (free !== undefined && free.length > 0) return free.pop()!;
    if (this.top + need > PAGE) {
      this.cur = this.freePages.pop() ?? this.pages.length;
      this.pages[this.cur] = new Float64Array(PAGE);
      this.top = 0;
    }
    const at = this.cur * PAGE + this.top;
    this.top += need;
    return at;
  }

  private releaseBlock(a: number, cap: number): void {
    if (cap * W > PAGE) {
      const pi = a >>> PAGE_SHIFT;
      this.pages[pi] = NO_PAGE;
      this.freePages.push(pi);
      return;
    }
    const cls = classOf(cap);
    let free = this.freeBlocks[cls];
    if (free === undefined) {
      free = [];
      this.freeBlocks[cls] = free;
    }
    free.push(a);
  }

  private growHandles(): void {
    const n = 2 * this.kind.length;
    const meta = new Int32Array(n * M);
    meta.set(this.meta);
    this.meta = meta;
    const kind = new Uint8Array(n);
    kind.set(this.kind);
    this.kind = kind;
  }
}

/** The size class of a block of `cap` sources (a power of two times FIRST_CAPACITY). */
function classOf(cap: number): number {
  return 31 - Math.clz32(cap / FIRST_CAPACITY);
}

/**
 * A small non-negative integer hash of a name, as `ScanSources.find` wants: of
 * its IPv4 number when it is a canonical dotted quad (murmur3's finaliser), else
 * FNV-1a over its UTF-16 code units. `v4`: the name's number as a record carries
 * it (FlowRecord.origV4 / respV4: -1 when not one); undefined, the name is
 * parsed. A function of the name alone, however the caller had the number: the
 * scan detectors hash a record's addresses from its numbers (a few instructions
 * where FNV read every character) and a restored key's from its name.
 */
export function hashOfName(s: string, v4: number | undefined = dottedQuadValue(s) | 0): number {
  if (v4 !== -1) {
    let h = v4 ^ (v4 >>> 16);
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return (h ^ (h >>> 16)) & 0x3fffffff;
  }
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}
