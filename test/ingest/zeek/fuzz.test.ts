/**
 * Fuzzing the line readers (Zeek TSV, Zeek JSON, CSV) with a seeded PRNG:
 * mutated lines, wrong types, huge fields, invalid UTF-8, random bytes, cut
 * files. Asserts: nothing but FlowhoundError is ever thrown, every read ends,
 * and every data line is accounted for: a record, a counted skip, or a
 * reported bad / truncated line.
 */
import { type CsvReadStats, readFlowCsv } from '../../../src/ingest/csv/read-flow-csv.js';
import { readSource } from '../../../src/ingest/read-input.js';
import { readZeekJson } from '../../../src/ingest/zeek/read-zeek-json.js';
import { readZeekTsv, type ZeekReadStats } from '../../../src/ingest/zeek/read-zeek-tsv.js';
import { isFlowhoundError } from '../../../src/errors.js';
import { type ByteSource, openByteSourceFromChunks, rechunk } from '../../../src/io/byte-source.js';
import type { IngestWarning, RecordBatch } from '../../../src/types.js';
import { createSeededRandom } from '../../../src/util/seeded-random.js';


const TSV_HEADER = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]',
].join('\n');
const TSV_LINE = '1517422326.539915\tCxHo3m4N8uGxrMlcl2\t10.55.100.100\t61843\t205.204.101.182\t80\ttcp\thttp\t108.985496\t719\t336\tSF\tT\tF\t20\tShADadfF\t10\t1131\t4\t508\t(empty)';
const JSON_LINE = JSON.stringify({ ts: 1517422326.539915, uid: 'C1', 'id.orig_h': '10.0.0.1', 'id.orig_p': 1, 'id.resp_h': '10.0.0.2', 'id.resp_p': 53, proto: 'udp', query: 'a.b', qtype: 1, answers: ['x'], TTLs: [1] });
const CSV_HEADER = 'StartTime,LastTime,Dur,Flgs,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,SrcPkts,DstPkts,SrcBytes,DstBytes,State';
const CSV_LINE = '1795411907.211140,1795411907.211310,0.000170, e        ,udp,10.77.0.10,45866,  <->,10.77.0.53,53,1,1,98,86,CON';

const WRONG = ['http', '-1', '1e999', 'NaN', '', '99999999999999999999', 'é', '💥', '-', '(empty)', '0x10', '65536', '1.2.3', 'null', '"', '""'];

function mutateLine(line: Buffer, sep: number, rnd: () => number): Buffer {
  const int = (n: number): number => Math.floor(rnd() * n);
  const fields = [];
  let start = 0;
  for (let i = 0; i <= line.length; i++) {
    if (i === line.length || line[i] === sep) {
      fields.push(line.subarray(start, i));
      start = i + 1;
    }
  }
  const k = int(9);
  let out: Buffer;
  switch (k) {
    case 0: {
      out = Buffer.from(line);
      for (let n = 1 + int(3); n > 0 && out.length > 0; n--) out[int(out.length)] = int(256);
      break;
    }
    case 1:
      fields.splice(int(fields.length), 1);
      out = Buffer.concat(fields.flatMap((f, i) => (i === 0 ? [f] : [Buffer.from([sep]), f])));
      break;
    case 2:
      fields[int(fields.length)] = Buffer.from(WRONG[int(WRONG.length)] as string);
      out = Buffer.concat(fields.flatMap((f, i) => (i === 0 ? [f] : [Buffer.from([sep]), f])));
      break;
    case 3:
      fields[int(fields.length)] = Buffer.alloc(20_000 + int(60_000), 0x41);
      out = Buffer.concat(fields.flatMap((f, i) => (i === 0 ? [f] : [Buffer.from([sep]), f])));
      break;
    case 4: {
      const at = int(line.length);
      out = Buffer.concat([line.subarray(0, at), Buffer.from([[0xff, 0xfe], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x92]][int(4)] as number[]), line.subarray(at)]);
      break;
    }
    case 5:
      out = Buffer.from(Array.from({ length: int(200) }, () => int(256)));
      break;
    case 6:
      fields.splice(int(fields.length), 0, Buffer.from(''));
      out = Buffer.concat(fields.flatMap((f, i) => (i === 0 ? [f] : [Buffer.from([sep]), f])));
      break;
    case 7:
      out = Buffer.concat([line, Buffer.from([sep]), Buffer.from('extra')]);
      break;
    default:
      out = line;
  }
  return out;
}

/** Mutated data lines; a line that would start with '#' (a header) gets an 'X' first. */
function makeInput(header: string, line: string, sep: number, seed: number): { bytes: Buffer; dataLines: number } {
  const rnd = createSeededRandom(seed);
  const n = 5 + Math.floor(rnd() * 60);
  const parts: Buffer[] = [Buffer.from(`${header}\n`)];
  for (let i = 0; i < n; i++) {
    const l = rnd() < 0.3 ? mutateLine(Buffer.from(line), sep, rnd) : Buffer.from(line);
    parts.push(l, Buffer.from('\n'));
  }
  let bytes = Buffer.concat(parts);
  const headerLen = Buffer.byteLength(header) + 1;
  if (rnd() < 0.3) bytes = bytes.subarray(0, headerLen + Math.floor(rnd() * (bytes.length - headerLen)));
  // Re-split as the reader will, keep lines from looking like headers, and count the data lines.
  const lines = bytes.subarray(headerLen).toString('latin1').split('\n');
  const fixed = lines.map((l) => (l.replace(/^[\t ]+/, '').startsWith('#') ? `X${l}` : l));
  bytes = Buffer.concat([bytes.subarray(0, headerLen), Buffer.from(fixed.join('\n'), 'latin1')]);
  const dataLines = fixed.filter((l) => l.replace(/\r$/, '').trim() !== '').length;
  return { bytes, dataLines };
}

type Reader = (source: ByteSource, warnings: IngestWarning[]) => { run: AsyncIterable<RecordBatch>; accounted: () => number };

async function drain(reader: Reader, bytes: Buffer, chunkSize: number): Promise<{ records: number; accounted: number; warnings: IngestWarning[] }> {
  const warnings: IngestWarning[] = [];
  const source = await openByteSourceFromChunks('fuzz.log', rechunk([bytes], chunkSize));
  const { run, accounted } = reader(source, warnings);
  let records = 0;
  for await (const b of run) records += b.flows.length + b.dns.length;
  return { records, accounted: accounted(), warnings };
}

const opts = (warnings: IngestWarning[]) => ({ maxInvalid: 0, onWarning: (w: IngestWarning) => warnings.push(w) });
const truncated = (ws: IngestWarning[]): number => ws.filter((w) => w.code === 'TRUNCATED_LINE').length;

const READERS: Array<[string, string, string, number, Reader]> = [
  [
    'Zeek TSV',
    TSV_HEADER,
    TSV_LINE,
    0x09,
    (source, ws) => {
      const st: ZeekReadStats = { flows: 0, dns: 0, invalid: 0, skippedByPath: {} };
      return { run: readZeekTsv(source, opts(ws), st), accounted: () => st.flows + st.dns + st.invalid + truncated(ws) };
    },
  ],
  [
    'Zeek JSON',
    JSON_LINE,
    JSON_LINE,
    0x2c,
    (source, ws) => {
      const st: ZeekReadStats = { flows: 0, dns: 0, invalid: 0, skippedByPath: {} };
      return {
        run: readZeekJson(source, opts(ws), st),
        accounted: () => st.flows + st.dns + st.invalid + truncated(ws) + Object.values(st.skippedByPath).reduce((a, b) => a + b, 0),
      };
    },
  ],
  [
    'CSV (Argus)',
    CSV_HEADER,
    CSV_LINE,
    0x2c,
    (source, ws) => {
      const st: CsvReadStats = { format: null, flows: 0, invalid: 0, skipped: {}, blankRows: 0, summary: null };
      return {
        run: readFlowCsv(source, opts(ws), st),
        accounted: () => st.flows + st.invalid + st.blankRows + truncated(ws) + Object.values(st.skipped).reduce((a, b) => a + b, 0),
      };
    },
  ],
];

describe.each(READERS)('fuzzing the %s reader', (_name, header, line, sep, reader) => {
  it('accounts for every mutated data line (record, skip or report) and throws nothing else', async () => {
    for (let seed = 1; seed <= 120; seed++) {
      const { bytes, dataLines } = makeInput(header, line, sep, seed);
      const chunkSize = seed % 15 === 0 ? 7 : 65536;
      let r: Awaited<ReturnType<typeof drain>>;
      try {
        r = await drain(reader, bytes, chunkSize);
      } catch (e) {
        throw new Error(`seed ${seed}: threw ${isFlowhoundError(e) ? `FlowhoundError ${e.code}: ${e.message}` : String(e)}`);
      }
      // The JSON header line is itself a data line.
      const expected = dataLines + (_name === 'Zeek JSON' ? 1 : 0);
      if (r.accounted !== expected) throw new Error(`seed ${seed}: ${r.accounted} lines accounted for, ${expected} data lines`);
      expect(r.warnings.every((w) => w.file === 'fuzz.log' && typeof w.message === 'string')).toBe(true);
    }
  });

  it('with the default maxInvalid, a run of bad lines stops with INPUT_TOO_MANY_INVALID, never anything else', async () => {
    const bad = Array.from({ length: 30 }, (_, i) => `garbage ${i}\t,x`).join('\n');
    const source = await openByteSourceFromChunks('fuzz.log', [Buffer.from(`${header}\n${line}\n${bad}\n`)]);
    const ws: IngestWarning[] = [];
    const err = await (async () => {
      for await (const _ of readSource(source, { maxInvalid: 25, onWarning: (w) => ws.push(w) })) {
        // drain
      }
    })().catch((e: unknown) => e);
    expect(isFlowhoundError(err) && err.code).toBe('INPUT_TOO_MANY_INVALID');
    expect(ws.filter((w) => w.code === 'INVALID_LINE')).toHaveLength(25);
  });
});

describe('fuzzing detection and readers with random bytes', () => {
  it('random inputs end in records or a FlowhoundError, never another exception or a hang', async () => {
    const rnd = createSeededRandom(7);
    const prefixes = ['', '#separator \\x09\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\n', '{"ts":1,', 'ts,te,td,sa,da,sp,dp,pr\n', 'StartTime,Proto,SrcAddr,DstAddr\n'];
    for (let i = 0; i < 200; i++) {
      const body = Buffer.from(Array.from({ length: Math.floor(rnd() * 3000) }, () => (rnd() < 0.1 ? 0x0a : rnd() < 0.2 ? 0x09 : rnd() < 0.2 ? 0x2c : Math.floor(rnd() * 256))));
      const bytes = Buffer.concat([Buffer.from(prefixes[i % prefixes.length] as string), body]);
      const source = await openByteSourceFromChunks('random.bin', rechunk([bytes], 1 + Math.floor(rnd() * 500)));
      try {
        for await (const _ of readSource(source, { maxInvalid: 25, onWarning: () => {} })) {
          // drain
        }
      } catch (e) {
        if (!isFlowhoundError(e)) throw new Error(`input ${i}: ${(e as Error).stack}`);
      }
    }
  });

  it('a 5 MiB line is dropped and reported, the lines around it are read', async () => {
    const text = Buffer.concat([Buffer.from(`${TSV_HEADER}\n${TSV_LINE}\n`), Buffer.alloc(5 << 20, 0x41), Buffer.from(`\n${TSV_LINE}\n`)]);
    const ws: IngestWarning[] = [];
    const source = await openByteSourceFromChunks('big.log', rechunk([text], 1 << 20));
    let flows = 0;
    for await (const b of readSource(source, { maxInvalid: 25, onWarning: (w) => ws.push(w) })) flows += b.flows.length;
    expect(flows).toBe(2);
    expect(ws.map((w) => w.message)).toEqual(['big.log:9: line longer than 4 MiB, skipped']);
  });
});
