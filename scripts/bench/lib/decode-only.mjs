#!/usr/bin/env node
// Reads and decodes every packet of a capture with flowhound's reader (no flow
// tracking): the floor of capture ingest, for the targets bench's
// "read + decode" row beside `tcpdump -r FILE -w /dev/null`.
//   node scripts/bench/lib/decode-only.mjs FILE   (npm run build first)
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;
const { openByteSource } = await import(dist('io/byte-source.js'));
const { readCapturePackets } = await import(dist('ingest/pcap/read-capture.js'));

let packets = 0;
let check = 0;
const source = await openByteSource(process.argv[2]);
for await (const _ of readCapturePackets(
  source,
  (p) => {
    if (p.tunnelDepth === 0) packets++;
    check += p.dstPort + p.ipLen;
  },
  { onWarning: (w) => console.error(w.message) },
));
console.log(`${packets} packets (check ${check})`);
