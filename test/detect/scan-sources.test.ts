import { dottedQuadValue } from '../../src/detect/dotted-quad.js';
import { ScanSources, addressKey, hashOfName, textKey } from '../../src/detect/scan-sources.js';

/** The reference: one object per source, as the per-set ScanSources kept them. */
interface Ref {
  name: string;
  targets: Map<string, number>;
  probes: number;
  firstTs: number;
  lastTs: number;
}

/** Targets of kind 1 are ports (key port × 2 + udp), of kind 0 hosts. */
const targetText = (key: number, kind: number): string => (kind === 1 ? `${key >> 1}/${(key & 1) === 1 ? 'udp' : 'tcp'}` : `${key >>> 24}.${(key >>> 16) & 255}.${(key >>> 8) & 255}.${key & 255}`);

function targetKey(t: string, kind: number): number {
  if (kind === 0) return addressKey(t, undefined, hashOfName(t, -1));
  const [port, proto] = t.split('/');
  return proto === 'tcp' || proto === 'udp' ? Number(port) * 2 + (proto === 'udp' ? 1 : 0) : textKey(hashOfName(t, -1));
}

describe('ScanSources', () => {
  it('agrees with one object per source under random probes, removals and frees, over many sets (IPv4, IPv6 and 255.255.255.255 names)', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const names = ['203.0.113.7', '255.255.255.255', '2001:db8::1', '0.0.0.0', ...Array.from({ length: 60 }, (_, i) => `198.51.${i}.${(i * 37) % 256}`), 'fe80::2'];
    const hosts = ['10.0.0.1', '10.0.0.2', '2001:db8::9', '10.0.0.3', '255.255.255.255'];
    const ports = ['22/tcp', '53/udp', '80/tcp', '1/icmp', '443/tcp'];
    const s = new ScanSources(targetText);
    const sets: { h: number; kind: number; ref: Ref[] }[] = [];
    const CAP = 4;
    for (let step = 0; step < 12000; step++) {
      const op = rnd(100);
      if (sets.length === 0 || op < 3) {
        const kind = rnd(2);
        sets.push({ h: s.make(kind), kind, ref: [] });
        continue;
      }
      const set = sets[rnd(sets.length)]!;
      if (op < 5) {
        s.free(set.h);
        sets.splice(sets.indexOf(set), 1);
        continue;
      }
      if (op < 8) {
        const cut = rnd(1000);
        s.removeWhere(set.h, (i) => s.lastTs(set.h, i) < cut);
        set.ref = set.ref.filter((r) => !(r.lastTs < cut));
      } else {
        const name = names[rnd(names.length)]!;
        const target = set.kind === 0 ? hosts[rnd(hosts.length)]! : ports[rnd(ports.length)]!;
        const ts = rnd(1000);
        const v4 = dottedQuadValue(name) | 0;
        const key = addressKey(name, rnd(2) === 0 ? undefined : v4, hashOfName(name, v4));
        const i = s.find(set.h, key, name);
        const j = set.ref.findIndex((r) => r.name === name);
        expect(i).toBe(j);
        if (j < 0) {
          expect(s.add(set.h, key, name, targetKey(target, set.kind), target, ts)).toBe(set.ref.length);
          set.ref.push({ name, targets: new Map([[target, ts]]), probes: 1, firstTs: ts, lastTs: ts });
        } else {
          const r = set.ref[j]!;
          r.probes++;
          r.lastTs = Math.max(r.lastTs, ts);
          r.firstTs = Math.min(r.firstTs, ts);
          const had = r.targets.has(target);
          let added = false;
          if (had) r.targets.delete(target);
          if (had || r.targets.size < CAP) {
            r.targets.set(target, ts);
            added = !had;
          }
          expect(s.probe(set.h, i, targetKey(target, set.kind), target, ts, CAP)).toBe(added);
        }
      }
      expect(s.size(set.h)).toBe(set.ref.length);
    }
    for (const set of sets) {
      expect(s.size(set.h)).toBe(set.ref.length);
      set.ref.forEach((r, i) => {
        expect(s.name(set.h, i)).toBe(r.name);
        expect(s.probes(set.h, i)).toBe(r.probes);
        expect(s.firstTs(set.h, i)).toBe(r.firstTs);
        expect(s.lastTs(set.h, i)).toBe(r.lastTs);
        expect(s.targetCount(set.h, i)).toBe(r.targets.size);
        expect([...s.targetMap(set.h, i)]).toEqual([...r.targets]);
        const union = new Set<string>();
        s.addTargets(set.h, union, i);
        expect(union).toEqual(new Set(r.targets.keys()));
      });
    }
  });

  it('gives a source restored with several targets its map, and finds sources past the scanned few by name', () => {
    const s = new ScanSources(targetText);
    const h = s.make(0);
    s.restore(h, addressKey('192.0.2.1', undefined, hashOfName('192.0.2.1')), '192.0.2.1', textKey(0), '', 0, new Map([['10.0.0.1', 5], ['10.0.0.2', 6]]), 2, 5, 6);
    for (let i = 0; i < 40; i++) {
      const name = `192.0.2.${i + 2}`;
      s.add(h, addressKey(name, undefined, hashOfName(name)), name, addressKey('10.0.0.9', undefined, 0), '10.0.0.9', 100 + i);
    }
    expect(s.size(h)).toBe(41);
    expect([...s.targetMap(h, 0)]).toEqual([['10.0.0.1', 5], ['10.0.0.2', 6]]);
    expect(s.find(h, 0, '192.0.2.30')).toBe(29);
    expect(s.targetMap(h, 29)).toEqual(new Map([['10.0.0.9', 128]]));
    s.removeWhere(h, (i) => i % 2 === 1);
    expect(s.size(h)).toBe(21);
    expect(s.find(h, 0, '192.0.2.31')).toBe(15);
    expect(s.name(h, 15)).toBe('192.0.2.31');
  });
  it("makes a target's text from its key where it was given as '' (ports of TCP and UDP), and drops only idle sources with removeIdle", () => {
    const s = new ScanSources(targetText);
    const h = s.make(1);
    const src = '192.0.2.1';
    const key = addressKey(src, undefined, hashOfName(src));
    s.add(h, key, src, 80 * 2, '', 10);
    expect(s.probe(h, 0, 80 * 2, '', 11, 100)).toBe(false);
    expect(s.probe(h, 0, 53 * 2 + 1, '', 12, 100)).toBe(true);
    expect(s.probe(h, 0, 80 * 2, '', 13, 100)).toBe(false);
    expect([...s.targetMap(h, 0)]).toEqual([['53/udp', 12], ['80/tcp', 13]]);
    s.add(h, addressKey('192.0.2.2', undefined, hashOfName('192.0.2.2')), '192.0.2.2', 22 * 2, '', 400);
    s.removeIdle(h, 313, 300);
    expect(s.size(h)).toBe(2);
    s.removeIdle(h, 313.5, 300);
    expect(s.size(h)).toBe(1);
    expect(s.name(h, 0)).toBe('192.0.2.2');
  });
});
