import { parseIsoTime } from '../../../src/ingest/zeek/parse-field.js';
import { CHUNK_SIZES, readBytes } from './read-helper.js';

const conn = {
  ts: 1517422326.539915,
  uid: 'CxHo3m4N8uGxrMlcl2',
  'id.orig_h': '10.55.100.100',
  'id.orig_p': 61843,
  'id.resp_h': '205.204.101.182',
  'id.resp_p': 80,
  proto: 'tcp',
  service: 'http',
  duration: 108.985496,
  orig_bytes: 719,
  resp_bytes: 336,
  conn_state: 'SF',
  local_orig: true,
  missed_bytes: 20,
  history: 'ShADadfF',
  orig_pkts: 10,
  orig_ip_bytes: 1131,
  resp_pkts: 4,
  resp_ip_bytes: 508,
};

const flow = {
  ts: 1517422326.539915,
  uid: 'CxHo3m4N8uGxrMlcl2',
  origH: '10.55.100.100',
  origP: 61843,
  respH: '205.204.101.182',
  respP: 80,
  proto: 'tcp',
  service: 'http',
  duration: 108.985496,
  origBytes: 719,
  respBytes: 336,
  connState: 'SF',
  history: 'ShADadfF',
  missedBytes: 20,
  origPkts: 10,
  origIpBytes: 1131,
  respPkts: 4,
  respIpBytes: 508,
  origV4: 171402340,
  respV4: -842242634,
  ipProto: 6,
};

describe('parseIsoTime', () => {
  it('keeps the written fraction exactly (same double as the decimal epoch)', () => {
    expect(parseIsoTime('2018-03-24T17:15:20.865716Z')).toBe(1521911720.865716);
    expect(parseIsoTime('2018-03-24T17:15:20Z')).toBe(1521911720);
    expect(parseIsoTime('2018-03-24T19:15:20.5+02:00')).toBe(1521911720.5);
    expect(parseIsoTime('2018-03-24T12:15:20.5-0500')).toBe(1521911720.5);
    expect(parseIsoTime('2018-13-24T17:15:20Z')).toBeNaN();
    expect(parseIsoTime('yesterday')).toBeNaN();
  });
});

describe.each(CHUNK_SIZES)('readZeekJson at chunk size %i', (chunkSize) => {
  it('maps conn JSON (number ts, dotted id keys) to the same FlowRecord as TSV', async () => {
    const r = await readBytes(`${JSON.stringify(conn)}\n`, { chunkSize });
    expect(r.warnings).toEqual([]);
    expect(r.flows).toEqual([flow]);
  });

  it('accepts an ISO 8601 ts, a nested id object and _path', async () => {
    const { 'id.orig_h': oh, 'id.orig_p': op, 'id.resp_h': rh, 'id.resp_p': rp, ...rest } = conn;
    const line = JSON.stringify({ _path: 'conn', ...rest, ts: '2018-01-31T18:12:06.539915Z', id: { orig_h: oh, orig_p: op, resp_h: rh, resp_p: rp } });
    const r = await readBytes(`${line}\n`, { chunkSize });
    expect(r.flows).toEqual([{ ...flow, ts: 1517422326.539915 }]);
  });

  it('maps dns JSON and skips other paths with one counted warning', async () => {
    const dns = {
      _path: 'dns',
      ts: 1,
      uid: 'C1',
      'id.orig_h': '10.0.0.1',
      'id.orig_p': 5353,
      'id.resp_h': '10.0.0.53',
      'id.resp_p': 53,
      proto: 'udp',
      query: 'a.example.',
      qtype_name: 'AAAA',
      rcode: 3,
      answers: ['x', 'y'],
      TTLs: [1.5, 2],
    };
    const http = JSON.stringify({ _path: 'http', ts: 2, uid: 'C2', 'id.orig_h': '1.1.1.1', 'id.orig_p': 1, 'id.resp_h': '2.2.2.2', 'id.resp_p': 80, method: 'GET' });
    const r = await readBytes(`${http}\n${JSON.stringify(dns)}\n${http}\n`, { chunkSize });
    expect(r.dns).toEqual([
      {
        ts: 1,
        uid: 'C1',
        client: '10.0.0.1',
        clientP: 5353,
        server: '10.0.0.53',
        serverP: 53,
        proto: 'udp',
        transId: null,
        query: 'a.example',
        qtype: 28,
        qtypeName: 'AAAA',
        rcode: 3,
        rcodeName: 'NXDOMAIN',
        answers: ['x', 'y'],
        ttls: [1.5, 2],
        responseBytes: null,
      },
    ]);
    expect(r.warnings).toEqual([expect.objectContaining({ code: 'ZEEK_SKIPPED_LOG', line: 1, message: expect.stringContaining("skipped 2 lines of Zeek log 'http'") })]);
  });

  it('reports wrong types with the field name and line, and stops after maxInvalid in a row', async () => {
    const bad = [
      JSON.stringify({ ...conn, 'id.resp_p': 'http' }),
      JSON.stringify({ ...conn, ts: 'soon' }),
      JSON.stringify({ ...conn, orig_pkts: -1 }),
      '[1,2]',
      '{"ts": 1,',
    ];
    const r = await readBytes(`${bad.join('\n')}\n${JSON.stringify(conn)}\n`, { chunkSize, name: 'conn.json' });
    expect(r.flows).toHaveLength(1);
    expect(r.warnings.map((w) => w.message)).toEqual([
      'conn.json:1: field id.resp_p: expected a port, got "http"',
      'conn.json:2: field ts: expected a time (epoch seconds or ISO 8601), got "soon"',
      'conn.json:3: field orig_pkts: expected a count, got -1',
      'conn.json:4: expected a JSON object',
      expect.stringMatching(/^conn\.json:5: not valid JSON/),
    ]);
    await expect(readBytes(`${bad.join('\n')}\n`, { chunkSize, maxInvalid: 5 })).rejects.toMatchObject({ code: 'INPUT_TOO_MANY_INVALID' });
  });
});
