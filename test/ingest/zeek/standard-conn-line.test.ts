/**
 * The standard-layout conn line parser against the general byte parser
 * (line by line) and the whole TSV reader against its text path (a
 * two-byte separator is never read from bytes), on seeded mutated lines:
 * records, warnings and messages must be the same.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openByteSource } from '../../../src/io/byte-source.js';
import { readSource } from '../../../src/ingest/read-input.js';
import { createAddressInterner } from '../../../src/ingest/zeek/address-interner.js';
import { asciiString } from '../../../src/ingest/zeek/ascii-string.js';
import { type ConnByteLayout, connLine, createShortStringCache, parseConnBytes } from '../../../src/ingest/zeek/conn-line-bytes.js';
import { CONN_COLUMNS } from '../../../src/ingest/zeek/log-kind.js';
import { ipProtoColumnOf, isStandardConnLayout, parseStandardConnBytes, STANDARD_CONN_FIELDS } from '../../../src/ingest/zeek/standard-conn-line.js';
import { createSeededRandom } from '../../../src/util/seeded-random.js';
import { CHUNK_SIZES, type ReadResult, readBytes } from './read-helper.js';

const ZEEK_FIELDS = [...STANDARD_CONN_FIELDS, 'tunnel_parents'];
const EMPTY = Buffer.from('(empty)');

const PLAIN = [
  ['1517422326.539915', 'CxHo3m4N8uGxrMlcl2', '10.55.100.100', '61843', '205.204.101.182', '80', 'tcp', 'http', '108.985496', '719', '336', 'SF', 'T', 'F', '20', 'ShADadfF', '10', '1131', '4', '508', '(empty)'],
  ['1517422400.000001', 'Cabc', '10.0.0.1', '8', '10.0.0.2', '0', 'icmp', '-', '-', '-', '-', 'OTH', 'T', 'T', '0', '-', '1', '84', '0', '0', '-'],
  ['1795132800.070737', 'ClvkkcFmQWYdVgiyDD', '10.7.135.200', '55128', '10.0.0.53', '53', 'udp', 'dns', '0.023422', '43', '443', 'SF', 'T', 'T', '0', 'Dd', '1', '98', '1', '294', '-'],
  ['1795132800', 'C1', '2001:db8::1', '443', 'fe80::1', '65535', 'tcp', '(empty)', '0', '0', '0', 'S0', '-', '-', '0', '(empty)', '0', '0', '0', '0', '(empty)'],
];

const VALUES = [
  '-', '(empty)', '', '0', '00', '007', '65535', '65536', '99999', '123456', '-1', '+1', '1e3', '1.5', '.5', '5.', '1..2', '1.2.3',
  '9007199254740992', '9007199254740991', '99999999999999999999', '1795132800.05196812345678901234567', 'tcp', 'udp', 'icmp',
  'unknown_transport', 'TCP', 'sctp', 'dns', 'http,ssl', 'S0', 'ShADadfF', 'é', '\u00ff', 'x\ry', 'T', '10.0.0.1', '010.0.0.1',
  '10.0.0.256', '10.0.0', '10.0.0.1.2', '1.2.3.04', '255.255.255.255', '0.0.0.0', '::1', ' 10.0.0.1', 'CxHo3m4N8uGxrMlcl2ab', 'C\u00e9', '\u00c3\u00a9',
];

const IP_PROTO_VALUES = ['0', '1', '47', '132', '255', '256', '999', '0006', '00', '-', '', 'x', '6x', '-1', '6\r', '17 '];

/** A plain line's fields, a third of them mutated (a field replaced, dropped, added, cut, or unset; a CR at the end). */
function makeFields(rnd: () => number): string[] {
  const int = (n: number): number => Math.floor(rnd() * n);
  const f = [...(PLAIN[int(PLAIN.length)] as string[])];
  if (rnd() < 0.66) {
    const k = int(6);
    const j = int(f.length);
    if (k < 3) f[j] = VALUES[int(VALUES.length)] as string;
    else if (k === 3) f.splice(j, 1);
    else if (k === 4) f.splice(j, 0, VALUES[int(VALUES.length)] as string);
    else f[j] = (f[j] as string).slice(0, int((f[j] as string).length + 1));
  }
  if (rnd() < 0.1) f[f.length - 1] += '\r';
  return f;
}

function layoutOf(fields: readonly string[]): ConnByteLayout {
  const names: readonly string[] = CONN_COLUMNS;
  const slots = Uint8Array.from(fields.map((f) => names.indexOf(f) + 1));
  return { slots, sep: 9, unset: 45, empty: EMPTY, addresses: createAddressInterner(), strings: createShortStringCache(), standard: isStandardConnLayout(fields, slots, 9, 45, EMPTY), ipProtoColumn: ipProtoColumnOf(fields) };
}

describe('isStandardConnLayout', () => {
  it("holds for Zeek's default columns, with or without more unread columns after them", () => {
    expect(layoutOf(ZEEK_FIELDS).standard).toBe(true);
    expect(layoutOf([...ZEEK_FIELDS, 'ip_proto', 'community_id']).standard).toBe(true);
  });

  it('does not hold for other columns or tokens', () => {
    expect(layoutOf(STANDARD_CONN_FIELDS).standard).toBe(false);
    expect(layoutOf([...ZEEK_FIELDS.slice(0, 5), 'id.orig_p', ...ZEEK_FIELDS.slice(6)]).standard).toBe(false);
    expect(layoutOf([ZEEK_FIELDS[1] as string, ZEEK_FIELDS[0] as string, ...ZEEK_FIELDS.slice(2)]).standard).toBe(false);
    expect(layoutOf([...ZEEK_FIELDS, 'ts']).standard).toBe(false);
    const lay = layoutOf(ZEEK_FIELDS);
    expect(isStandardConnLayout(ZEEK_FIELDS, lay.slots, 44, 45, EMPTY)).toBe(false);
    expect(isStandardConnLayout(ZEEK_FIELDS, lay.slots, 9, 63, EMPTY)).toBe(false);
    expect(isStandardConnLayout(ZEEK_FIELDS, lay.slots, 9, 45, Buffer.from('(none)'))).toBe(false);
  });
});

describe('parseStandardConnBytes', () => {
  it('reads every plain line, and any line it reads as parseConnBytes does (same record, same end)', () => {
    const rnd = createSeededRandom(13);
    for (const fields of [ZEEK_FIELDS, [...ZEEK_FIELDS, 'ip_proto']]) {
      const lay = layoutOf(fields);
      const extra = fields.length - ZEEK_FIELDS.length;
      let read = 0;
      for (let i = 0; i < 4000; i++) {
        const plain = i < PLAIN.length;
        const f = plain ? [...(PLAIN[i] as string[])] : makeFields(rnd);
        // ip_proto: plain numbers mostly, and what the fast path must leave to the general one.
        for (let e = 0; e < extra; e++) f.push(plain || rnd() < 0.5 ? '6' : (IP_PROTO_VALUES[Math.floor(rnd() * IP_PROTO_VALUES.length)] as string));
        const line = Buffer.from(`${f.join('\t')}${rnd() < 0.5 ? '\nnext' : ''}`, 'latin1');
        const fast = parseStandardConnBytes(lay, line, 0, fields.length);
        const fastEnd = connLine.end;
        const general = parseConnBytes(lay, line, 0, line.length);
        if (plain) expect(fast).not.toBeNull();
        if (fast === null) continue;
        read++;
        expect(fast).toStrictEqual(general);
        expect(Object.keys(fast)).toEqual(Object.keys(general as object));
        expect(fastEnd).toBe(connLine.end);
      }
      // Mutations leave about half the lines plain; the fast path must take them.
      expect(read).toBeGreaterThan(1500);
    }
  });
});

describe('ts and duration', () => {
  const lay = layoutOf(ZEEK_FIELDS);
  const lineWith = (ts: string, duration: string): Buffer => {
    const f = [...(PLAIN[2] as string[])];
    f[0] = ts;
    f[8] = duration;
    return Buffer.from(`${f.join('\t')}\n`, 'latin1');
  };
  const digits = (rnd: () => number, n: number): string => Array.from({ length: n }, () => String(Math.floor(rnd() * 10))).join('');

  it('are the doubles Number() reads from the text, for Zeek\'s six decimals and other forms', () => {
    const rnd = createSeededRandom(61);
    for (let i = 0; i < 6000; i++) {
      const ts = i % 10 === 9 ? `${digits(rnd, 1 + Math.floor(rnd() * 12))}.${digits(rnd, Math.floor(rnd() * 9))}` : `${1 + Math.floor(rnd() * 8)}${digits(rnd, 9)}.${digits(rnd, 6)}`;
      const duration = `${i % 3 === 0 ? '0' : digits(rnd, 1 + Math.floor(rnd() * 6)).replace(/^0+(?=.)/, '')}.${digits(rnd, i % 7 === 6 ? Math.floor(rnd() * 9) : 6)}`;
      const line = lineWith(ts, duration);
      const r = parseStandardConnBytes(lay, line, 0, ZEEK_FIELDS.length);
      expect(r).toStrictEqual(parseConnBytes(lay, line, 0, line.length));
      if (r === null) {
        // Only a mantissa of 2^53 or more leaves the fast path.
        expect(Number(`${ts}`.replace('.', '')) >= 2 ** 53 || Number(duration.replace('.', '')) >= 2 ** 53).toBe(true);
        continue;
      }
      expect(Object.is(r.ts, Number(ts))).toBe(true);
      expect(Object.is(r.duration, Number(duration))).toBe(true);
    }
  });

  it('are refused, as parseConnBytes refuses them, when a byte of them is not a digit', () => {
    const ts = '1795132800.070737';
    const duration = '12.023422';
    for (const bad of ['*', '/', ':', 'a', ' ', '\x00', '\xc3', '.', '-', '\t']) {
      for (let k = 0; k < ts.length; k++) {
        const line = lineWith(ts.slice(0, k) + bad + ts.slice(k + 1), duration);
        const r = parseStandardConnBytes(lay, line, 0, ZEEK_FIELDS.length);
        expect(r).toStrictEqual(parseConnBytes(lay, line, 0, line.length));
        if (bad !== '.' || k !== 10) expect(r === null || r.ts !== Number(ts)).toBe(true);
      }
      for (let k = 0; k < duration.length; k++) {
        const line = lineWith(ts, duration.slice(0, k) + bad + duration.slice(k + 1));
        const r = parseStandardConnBytes(lay, line, 0, ZEEK_FIELDS.length);
        expect(r).toStrictEqual(parseConnBytes(lay, line, 0, line.length));
        if (bad !== '.' || k !== 2) expect(r === null || r.duration !== Number(duration)).toBe(true);
      }
    }
  });
});

describe('asciiString', () => {
  it('equals the one-byte decode at every length', () => {
    const b = Buffer.from('\tCxHo3m4N8uGxrMlcl2CxHo3m4N8uGxrMlcl2\t');
    for (let s = 0; s < 3; s++) for (let e = s; e <= b.length; e++) expect(asciiString(b, s, e)).toBe(b.toString('latin1', s, e));
  });
});

describe.each(CHUNK_SIZES)('the conn reader at chunk size %i', (chunkSize) => {
  const header = (fields: readonly string[], sep: string): string =>
    [
      sep === '\t' ? '#separator \\x09' : '#separator \\x01\\x02',
      `#set_separator${sep},`,
      `#empty_field${sep}(empty)`,
      `#unset_field${sep}-`,
      `#path${sep}conn`,
      `#fields${sep}${fields.join(sep)}`,
    ].join('\n');
  const layouts: Array<[string, string[]]> = [
    ['standard', ZEEK_FIELDS],
    ['standard with more columns', [...ZEEK_FIELDS, 'ip_proto', 'community_id']],
    ['without tunnel_parents', [...STANDARD_CONN_FIELDS]],
  ];

  it.each(layouts)('gives the same records and messages from bytes (TAB) as from text (a two-byte separator): %s', async (_name, fields) => {
    const rnd = createSeededRandom(chunkSize + fields.length);
    const lines: string[][] = [];
    for (let i = 0; i < (chunkSize === 1 ? 150 : 1500); i++) {
      const f = makeFields(rnd);
      for (let e = ZEEK_FIELDS.length; e < fields.length; e++) f.push('6');
      if (fields.length < ZEEK_FIELDS.length) f.splice(STANDARD_CONN_FIELDS.length, 1);
      lines.push(f);
    }
    const body = (sep: string): string => `${lines.map((f) => f.join(sep)).join('\n')}\n`;
    const tab = await readBytes(Buffer.from(`${header(fields, '\t')}\n${body('\t')}`, 'latin1'), { chunkSize, maxInvalid: 0 });
    const text = await readBytes(Buffer.from(`${header(fields, '\x01\x02')}\n${body('\x01\x02')}`, 'latin1'), { chunkSize: 65536, maxInvalid: 0 });
    expect(tab.flows.length).toBeGreaterThan(lines.length / 3);
    expect(tab.flows).toStrictEqual(text.flows);
    expect(tab.warnings).toEqual(text.warnings);
  });
});

describe('the conn reader on a file read into reused buffers', () => {
  it('gives the records and messages of an in-memory read, lines cut by chunk boundaries included', async () => {
    const rnd = createSeededRandom(5);
    const lines = Array.from({ length: 3000 }, (_, i) => (i % 97 === 0 ? [...makeFields(rnd), 'x'.repeat(300)] : makeFields(rnd)).join('\t'));
    const bytes = Buffer.from(`#separator \\x09\n#unset_field\t-\n#empty_field\t(empty)\n#path\tconn\n#fields\t${ZEEK_FIELDS.join('\t')}\n${lines.join('\n')}\n`, 'latin1');
    const dir = mkdtempSync(join(tmpdir(), 'flowhound-tsv-'));
    const path = join(dir, 'conn.log');
    writeFileSync(path, bytes);
    try {
      const expected = await readBytes(bytes, { name: path, maxInvalid: 0 });
      expect(expected.flows.length).toBeGreaterThan(1000);
      for (const chunkSize of [64, 257, 4096]) {
        const got: ReadResult = { flows: [], dns: [], warnings: [], batches: 0 };
        const source = await openByteSource(path, { chunkSize });
        for await (const b of readSource(source, { maxInvalid: 0, onWarning: (w) => got.warnings.push(w) })) got.flows.push(...b.flows);
        expect(got.flows).toStrictEqual(expected.flows);
        expect(got.warnings).toEqual(expected.warnings);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
