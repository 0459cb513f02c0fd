/**
 * The sources of one scan.distributed target set, in the order they came,
 * in columns: each source's name and sole target in one array of strings,
 * its numbers in one packed array of doubles (no object and no boxed
 * number per source), and a map of its targets only once it probed a
 * second one. A set of a spoofed flood (one port probed from random
 * addresses) gains a new source at nearly every probe and keeps it for a
 * window: one object per source (with a box per time field) and a `Map`
 * per set were most of the detector's garbage and of its lookups.
 *
 * A source is found by a scan of the hashes of the names (`hashOfName`,
 * compared before any string) while the set holds up to `SMALL` sources;
 * past it a `Map` from name to index is made and kept.
 */

import { dottedQuadValue } from './dotted-quad.js';

/** Sources found by scanning hashes; more and a map is made. */
const SMALL = 16;
/** Numbers per source in `nums`: hash, soleTs, probes, firstTs, lastTs. */
const W = 5;
const HASH = 0;
const SOLE_TS = 1;
const PROBES = 2;
const FIRST_TS = 3;
const LAST_TS = 4;

export class ScanSources {
  /** Per source: its name, then its first target (the one it probed while `targets` has no map for it). */
  private readonly names: string[] = [];
  private readonly nums: number[] = [];
  /** target → last probe ts for the sources that probed more than one target (null for the others; the array null until one does). */
  private targets: (Map<string, number> | null)[] | null = null;
  private byName: Map<string, number> | null = null;

  get size(): number {
    return this.names.length >> 1;
  }

  /** The index of the source named `src` (`h`: its `hashOfName`), or -1. */
  find(src: string, h: number): number {
    if (this.byName !== null) return this.byName.get(src) ?? -1;
    const nums = this.nums;
    for (let j = HASH, i = 0; j < nums.length; j += W, i++) if (nums[j] === h && this.names[2 * i] === src) return i;
    return -1;
  }

  /** Adds a source not held, as the newest, with its first probe (of `target` at `ts`); returns its index. */
  add(src: string, h: number, target: string, ts: number): number {
    return this.restore(src, h, target, ts, null, 1, ts, ts);
  }

  /** Adds a source as the state keeps it (`targets` null: `soleTarget` at `soleTs` only); returns its index. */
  restore(src: string, h: number, soleTarget: string, soleTs: number, targets: Map<string, number> | null, probes: number, firstTs: number, lastTs: number): number {
    const i = this.size;
    this.names.push(src, soleTarget);
    this.nums.push(h, soleTs, probes, firstTs, lastTs);
    if (targets !== null) this.targetsArray()[i] = targets;
    else if (this.targets !== null) this.targets.push(null);
    if (this.byName !== null) this.byName.set(src, i);
    else if (i + 1 > SMALL) {
      this.byName = new Map();
      for (let k = 0; k <= i; k++) this.byName.set(this.names[2 * k]!, k);
    }
    return i;
  }

  /**
   * Another probe by source `i`, of `target` at `ts`: counts it, widens the
   * source's first and last times and moves the target to the newest end
   * with `ts`; true when it is a new target (not counted past `cap` targets).
   */
  probe(i: number, target: string, ts: number, cap: number): boolean {
    const nums = this.nums;
    const o = i * W;
    nums[o + PROBES]!++;
    if (ts > nums[o + LAST_TS]!) nums[o + LAST_TS] = ts;
    if (ts < nums[o + FIRST_TS]!) nums[o + FIRST_TS] = ts;
    let m = this.targets !== null ? this.targets[i]! : null;
    if (m === null) {
      if (target === this.names[2 * i + 1]) {
        nums[o + SOLE_TS] = ts;
        return false;
      }
      m = new Map([[this.names[2 * i + 1]!, nums[o + SOLE_TS]!]]);
      this.targetsArray()[i] = m;
    }
    const had = m.has(target);
    if (had) m.delete(target);
    else if (m.size >= cap) return false;
    m.set(target, ts);
    return !had;
  }

  name(i: number): string {
    return this.names[2 * i]!;
  }

  probes(i: number): number {
    return this.nums[i * W + PROBES]!;
  }

  firstTs(i: number): number {
    return this.nums[i * W + FIRST_TS]!;
  }

  lastTs(i: number): number {
    return this.nums[i * W + LAST_TS]!;
  }

  /** Distinct targets of source `i`. */
  targetCount(i: number): number {
    const m = this.targets !== null ? this.targets[i]! : null;
    return m !== null ? m.size : 1;
  }

  /** Adds source `i`'s targets to `union`. */
  addTargets(union: Set<string>, i: number): void {
    const m = this.targets !== null ? this.targets[i]! : null;
    if (m === null) union.add(this.names[2 * i + 1]!);
    else for (const t of m.keys()) union.add(t);
  }

  /** Source `i`'s targets with their last probe ts, oldest first (a new map for a source of one target). */
  targetMap(i: number): Map<string, number> {
    const m = this.targets !== null ? this.targets[i]! : null;
    return m ?? new Map([[this.names[2 * i + 1]!, this.nums[i * W + SOLE_TS]!]]);
  }

  /** Drops the sources for which `drop(i)` holds; the others keep their order (and are renumbered). */
  removeWhere(drop: (i: number) => boolean): void {
    const n = this.size;
    let w = 0;
    for (let i = 0; i < n; i++) {
      if (drop(i)) continue;
      if (w !== i) {
        this.names[2 * w] = this.names[2 * i]!;
        this.names[2 * w + 1] = this.names[2 * i + 1]!;
        for (let k = 0; k < W; k++) this.nums[w * W + k] = this.nums[i * W + k]!;
        if (this.targets !== null) this.targets[w] = this.targets[i]!;
      }
      w++;
    }
    if (w === n) return;
    this.names.length = 2 * w;
    this.nums.length = W * w;
    if (this.targets !== null) this.targets.length = w;
    if (this.byName !== null) {
      this.byName.clear();
      for (let i = 0; i < w; i++) this.byName.set(this.names[2 * i]!, i);
    }
  }

  private targetsArray(): (Map<string, number> | null)[] {
    this.targets ??= new Array<Map<string, number> | null>(this.size).fill(null);
    return this.targets;
  }
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
