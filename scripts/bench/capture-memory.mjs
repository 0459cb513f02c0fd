#!/usr/bin/env node
// Capture ingest memory (DESIGN.md "Targets": bounded memory; flow state is
// bounded by timeouts and the live-connection cap). Target: peak RSS under
// 1 GiB for a capture of 10 million distinct connections.
//
// Generates (into bench-data/, gitignored, never committed) a classic pcap of
// FLOWHOUND_BENCH_MEMORY_FLOWS packets (default 10,000,000): one TCP SYN per
// distinct 5-tuple (sources 10.0.0.0/8 with varying ports, to 172.16.0.1:80),
// 1 µs apart, so ~5 million connections would be waiting on Zeek's 5 s
// attempt timer at once: more than the default cap of 500,000 live
// connections, which therefore bounds memory. Then, in this process, measures:
//   1. RSS after loading flowhound (the reference),
//   2. read + decode alone (readCapturePackets), packets/s,
//   3. read + decode + flow tracking (readCaptureRecords, default cap),
//      packets/s, connections out, connections finished early by the cap,
//      and peak RSS (process.resourceUsage().maxRSS).
// Run `npm run build` first.
import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;
if (!existsSync(join(root, 'dist', 'ingest', 'capture-ingest.js'))) {
  console.error('capture-memory bench: dist/ingest/capture-ingest.js is missing; run `npm run build` first');
  process.exit(1);
}
const { openByteSource } = await import(dist('io/byte-source.js'));
const { readCapturePackets } = await import(dist('ingest/pcap/read-capture.js'));
const { readCaptureRecords } = await import(dist('ingest/capture-ingest.js'));

const FLOWS = Number(process.env.FLOWHOUND_BENCH_MEMORY_FLOWS ?? 10_000_000);
const dataDir = join(root, 'bench-data');
mkdirSync(dataDir, { recursive: true });
const file = join(dataDir, `capture-memory-v1-${FLOWS}.pcap`);
const FRAME = 54; // Ethernet 14 + IPv4 20 + TCP 20
const RECORD = 16 + FRAME;

function generate() {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  writeSync(fd, header);
  const perChunk = 65536;
  const buf = Buffer.alloc(perChunk * RECORD);
  // Template frame.
  const t = Buffer.alloc(FRAME);
  t.writeUInt16BE(0x0800, 12);
  t[14] = 0x45;
  t.writeUInt16BE(40, 16);
  t[22] = 64;
  t[23] = 6;
  Buffer.from([172, 16, 0, 1]).copy(t, 30);
  t.writeUInt16BE(80, 36);
  t[46] = 0x50;
  t[47] = 0x02; // SYN
  t.writeUInt16BE(64240, 48);
  for (let i = 0; i < perChunk; i++) t.copy(buf, i * RECORD + 16);
  const startSec = 1_700_000_000;
  for (let base = 0; base < FLOWS; base += perChunk) {
    const n = Math.min(perChunk, FLOWS - base);
    for (let j = 0; j < n; j++) {
      const i = base + j;
      const o = j * RECORD;
      const us = i; // 1 µs apart
      buf.writeUInt32LE(startSec + Math.floor(us / 1e6), o);
      buf.writeUInt32LE(us % 1e6, o + 4);
      buf.writeUInt32LE(FRAME, o + 8);
      buf.writeUInt32LE(FRAME, o + 12);
      const f = o + 16;
      const host = Math.floor(i / 64); // 64 source ports per source address
      buf[f + 26] = 10;
      buf[f + 27] = (host >>> 16) & 255;
      buf[f + 28] = (host >>> 8) & 255;
      buf[f + 29] = host & 255;
      buf.writeUInt16BE(1024 + (i % 64) * 997, f + 34);
      buf.writeUInt32BE((i * 2654435761) >>> 0, f + 38); // sequence number
    }
    writeSync(fd, buf, 0, n * RECORD);
  }
  closeSync(fd);
  renameSync(tmp, file);
}

const expectedSize = 24 + FLOWS * RECORD;
if (!existsSync(file) || statSync(file).size !== expectedSize) {
  const t0 = performance.now();
  generate();
  console.log(`generated ${file} (${(expectedSize / 2 ** 20).toFixed(0)} MiB, ${FLOWS} SYNs) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const mib = (kb) => `${(kb / 1024).toFixed(0)} MiB`;
globalThis.gc?.();
const rssRefKb = process.memoryUsage().rss / 1024;
console.log(`reference: RSS after loading flowhound ${mib(rssRefKb)}`);

{
  let packets = 0;
  const t0 = performance.now();
  const src = await openByteSource(file);
  for await (const n of readCapturePackets(src, () => {}, { onWarning: () => {} })) packets += n;
  const sec = (performance.now() - t0) / 1000;
  console.log(`read + decode:          ${packets} packets in ${sec.toFixed(2)} s = ${Math.round(packets / sec).toLocaleString('en-US')} packets/s`);
}
globalThis.gc?.();

{
  let flows = 0;
  let stats = null;
  const t0 = performance.now();
  const src = await openByteSource(file);
  for await (const b of readCaptureRecords(src, {
    maxInvalid: 25,
    onWarning: () => {},
    onCaptureStats: (s) => {
      stats = s;
    },
  })) {
    flows += b.flows.length;
  }
  const sec = (performance.now() - t0) / 1000;
  const peakKb = process.resourceUsage().maxRSS;
  const tr = stats?.tracker;
  console.log(`read + decode + track:  ${tr?.packets ?? '?'} packets in ${sec.toFixed(2)} s = ${Math.round((tr?.packets ?? 0) / sec).toLocaleString('en-US')} packets/s`);
  console.log(`  connections out ${flows}, finished early by the live cap ${tr?.evictedFlows ?? '?'}, most live at once ${tr?.maxLiveFlows ?? '?'}`);
  console.log(`  peak RSS ${mib(peakKb)} (reference ${mib(rssRefKb)}; target < 1024 MiB): ${peakKb < 1024 * 1024 ? 'PASS' : 'FAIL'}`);
  if (flows !== FLOWS) {
    console.error(`capture-memory bench: expected ${FLOWS} connections, got ${flows}`);
    process.exitCode = 1;
  }
}
