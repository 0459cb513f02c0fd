/**
 * The hostile-input corpus of issue 17, generated at test time from a seed
 * (no committed blobs): each entry is a file or folder in `dir` built to
 * break one thing a reader, a loader or the terminal trusts.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  concatBytes,
  ethernetFrame,
  ipv4Packet,
  pcapFile,
  pcapngEnhancedPacket,
  pcapngInterface,
  pcapngSection,
  tcpSegment,
} from '../ingest/pcap/capture-builder.js';

/** mulberry32: a small seeded generator, so every run builds the same corpus. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(rand: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

/** The terminal attack of the issue: clear the screen, set the window title, ring the bell. */
export const TERMINAL_ATTACK = '\x1b[2J\x1b]0;pwned\x07';

const CONN_FIELDS = [
  'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes', 'resp_bytes',
  'conn_state', 'local_orig', 'local_resp', 'missed_bytes', 'history', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes', 'tunnel_parents',
];
const CONN_TYPES = [
  'time', 'string', 'addr', 'port', 'addr', 'port', 'enum', 'string', 'interval', 'count', 'count',
  'string', 'bool', 'bool', 'count', 'string', 'count', 'count', 'count', 'count', 'set[string]',
];

/** A Zeek TSV conn.log with `rows` connections; `fieldName` rewrites a #fields name, `path` the #path value. */
export function zeekConnLog(rand: () => number, rows: number, opts: { fieldName?: (f: string) => string; path?: string } = {}): string {
  const fields = CONN_FIELDS.map((f) => opts.fieldName?.(f) ?? f);
  const lines = [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    `#path\t${opts.path ?? 'conn'}`,
    '#open\t2024-05-01-00-00-00',
    `#fields\t${fields.join('\t')}`,
    `#types\t${CONN_TYPES.join('\t')}`,
  ];
  for (let i = 0; i < rows; i++) {
    const ts = (1714521600 + i * 2 + rand()).toFixed(6);
    const port = 1024 + Math.floor(rand() * 60000);
    lines.push(
      [ts, `C${i}hostile`, '10.0.0.5', port, '10.0.0.9', 443, 'tcp', 'ssl', '1.250000', 517, 4096 + i, 'SF', 'T', 'T', 0, 'ShADadFf', 12, 1200, 10, 4900, '-'].join('\t'),
    );
  }
  lines.push('#close\t2024-05-01-01-00-00');
  return `${lines.join('\n')}\n`;
}

/** A pcap of `n` frames of each given length, random bytes. */
export function garbagePcap(rand: () => number, lengths: readonly number[], n: number): Uint8Array {
  const packets = [];
  for (const len of lengths) for (let i = 0; i < n; i++) packets.push({ tsSec: 1714521600 + packets.length, frac: 0, data: randomBytes(rand, len) });
  return pcapFile({}, packets);
}

/** A classic pcap of `n` zero-length records, built directly (16 bytes each). */
export function zeroLengthPcap(n: number): Uint8Array {
  const head = pcapFile({}, []);
  const out = new Uint8Array(head.length + 16 * n);
  out.set(head, 0);
  const v = new DataView(out.buffer);
  for (let i = 0; i < n; i++) v.setUint32(head.length + 16 * i, 1714521600 + Math.floor(i / 1000), true);
  return out;
}

/** A TCP handshake-and-data exchange between two hosts, `n` connections, as Ethernet frames. */
export function tcpFrames(rand: () => number, n: number): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const sport = 20000 + Math.floor(rand() * 30000);
    const a = { src: '10.1.0.5', dst: '10.1.0.9', proto: 6 };
    const b = { src: '10.1.0.9', dst: '10.1.0.5', proto: 6 };
    frames.push(ethernetFrame(0x0800, ipv4Packet(a, tcpSegment({ srcPort: sport, dstPort: 22, seq: 1, ack: 0, flags: 0x02 }))));
    frames.push(ethernetFrame(0x0800, ipv4Packet(b, tcpSegment({ srcPort: 22, dstPort: sport, seq: 100, ack: 2, flags: 0x12 }))));
    frames.push(ethernetFrame(0x0800, ipv4Packet(a, tcpSegment({ srcPort: sport, dstPort: 22, seq: 2, ack: 101, flags: 0x10 }))));
  }
  return frames;
}

/** A pcapng of the frames with the `flipAt`-th packet block's leading length bit `bit` flipped; returns the file and that block's offset. */
export function flippedPcapng(frames: readonly Uint8Array[], flipAt: number, bit: number): { file: Uint8Array; blockOffset: number } {
  const head = concatBytes([pcapngSection(), pcapngInterface({ linkType: 1 })]);
  const blocks = frames.map((f, i) => pcapngEnhancedPacket(0, BigInt(1714521600 + i) * 1000000n, f));
  let off = head.length;
  for (let i = 0; i < flipAt; i++) off += blocks[i]!.length;
  const file = concatBytes([head, ...blocks]);
  const v = new DataView(file.buffer, file.byteOffset);
  v.setUint32(off + 4, v.getUint32(off + 4, true) ^ (1 << bit), true);
  return { file, blockOffset: off };
}

/** Policy rules in YAML flow style, `n` of them. */
export function rulesYaml(n: number): string {
  const out = ['rules:'];
  for (let i = 0; i < n; i++) out.push(`  - {name: r${i}, severity: low, confidence: 0.5, match: {dst-port: ${(i % 65535) + 1}}}`);
  return `${out.join('\n')}\n`;
}

/** A YAML "billion laughs": 9^6 strings from six lines. */
export const YAML_ALIAS_BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
  '',
].join('\n');

export interface HostileCorpus {
  dir: string;
  nulHeader: string;
  garbagePackets: string;
  zeroLengthGz: string;
  zeroLengthCount: number;
  rulesTooMany: string;
  rulesTooBig: string;
  controlName: string;
  controlCsv: string;
  controlPath: string;
  aliasBomb: string;
  evilModel: string;
  outsideFile: string;
  goodLog: string;
  truncatedGz: string;
  corruptGz: string;
  flippedPcapng: string;
  flippedBlockOffset: number;
  flippedConnections: number;
  emptyConformance: string;
}

/** Writes the whole corpus into `dir` from `seed`. `modelDir` is a model folder to copy and then damage. */
export function writeHostileCorpus(dir: string, seed: number, modelDir: string): HostileCorpus {
  const rand = createRandom(seed);
  const p = (name: string) => join(dir, name);
  const c: HostileCorpus = {
    dir,
    nulHeader: p('nul-header.conn.log'),
    garbagePackets: p('garbage-packets.pcap'),
    zeroLengthGz: p('zero-length.pcap.gz'),
    zeroLengthCount: 2_000_000,
    rulesTooMany: p('rules-1001.yaml'),
    rulesTooBig: p('rules-100k.yaml'),
    controlName: p(`name${TERMINAL_ATTACK}.conn.log`),
    controlCsv: p('control-header.csv'),
    controlPath: p('control-path.log'),
    aliasBomb: p('alias-bomb.yaml'),
    evilModel: p('evil-model'),
    outsideFile: p('outside-weights.bin'),
    goodLog: p('good.conn.log'),
    truncatedGz: p('truncated.conn.log.gz'),
    corruptGz: p('corrupt.conn.log.gz'),
    flippedPcapng: p('flipped.pcapng'),
    flippedBlockOffset: 0,
    flippedConnections: 0,
    emptyConformance: p('no-pairs'),
  };
  // 1 MiB of NUL bytes inside the resp_bytes name of #fields.
  writeFileSync(c.nulHeader, zeekConnLog(rand, 29, { fieldName: (f) => (f === 'resp_bytes' ? `resp_${'\0'.repeat(1 << 20)}bytes` : f) }));
  writeFileSync(c.garbagePackets, garbagePcap(rand, [0, 10, 60], 1000));
  writeFileSync(c.zeroLengthGz, gzipSync(zeroLengthPcap(c.zeroLengthCount), { level: 9 }));
  writeFileSync(c.rulesTooMany, rulesYaml(1001));
  writeFileSync(c.rulesTooBig, rulesYaml(100_000));
  writeFileSync(c.controlName, zeekConnLog(rand, 3, { fieldName: (f) => (f === 'service' ? `service${TERMINAL_ATTACK}` : f) }));
  writeFileSync(c.controlCsv, `StartTime,Src${TERMINAL_ATTACK}Addr,DstAddr\n1,2,3\n`);
  writeFileSync(c.controlPath, zeekConnLog(rand, 3, { path: `http${TERMINAL_ATTACK}`, fieldName: (f) => (f === 'proto' ? 'method' : f) }));
  writeFileSync(c.aliasBomb, YAML_ALIAS_BOMB);
  // A model folder whose model.json names a weights file outside it.
  cpSync(modelDir, c.evilModel, { recursive: true });
  writeFileSync(c.outsideFile, randomBytes(rand, 64));
  const json = JSON.parse(readFileSync(join(c.evilModel, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
  json.weightsManifest[0]!.paths = ['../outside-weights.bin'];
  writeFileSync(join(c.evilModel, 'model.json'), JSON.stringify(json));
  // A good log, and the same log gzipped then cut, and gzipped with a corrupted deflate stream.
  const good = zeekConnLog(rand, 400);
  writeFileSync(c.goodLog, good);
  const gz = gzipSync(Buffer.from(zeekConnLog(rand, 4000)));
  writeFileSync(c.truncatedGz, gz.subarray(0, Math.floor(gz.length / 2)));
  // Corrupt: the CRC-32 in the gzip trailer no longer matches the data.
  const bad = Buffer.from(gz);
  for (let i = 8; i > 4; i--) bad[gz.length - i] = (bad[gz.length - i] ?? 0) ^ 0xa5;
  writeFileSync(c.corruptGz, bad);
  // A pcapng whose 31st packet block has bit 20 of its length flipped: 10 whole connections before it.
  const frames = tcpFrames(rand, 40);
  const flipped = flippedPcapng(frames, 30, 20);
  writeFileSync(c.flippedPcapng, flipped.file);
  c.flippedBlockOffset = flipped.blockOffset;
  c.flippedConnections = 10;
  // A conformance folder with sub-folders but no (trace, conn.log) pair.
  mkdirSync(join(c.emptyConformance, 'a'), { recursive: true });
  writeFileSync(join(c.emptyConformance, 'a', 'notes.txt'), 'no trace here\n');
  return c;
}
