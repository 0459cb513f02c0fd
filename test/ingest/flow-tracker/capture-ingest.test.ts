import { readFileSync } from 'node:fs';
import { readCaptureRecords } from '../../../src/ingest/capture-ingest.js';
import type { FlowTrackerOptions } from '../../../src/ingest/flow-tracker/flow-tracker.js';
import { openByteSourceFromChunks, rechunk } from '../../../src/io/byte-source.js';
import type { IngestWarning, RecordBatch } from '../../../src/types.js';
import { describeWithSharedData, sharedData } from '../../helpers/shared-data.js';

async function readAll(name: string, bytes: Uint8Array, chunkSize: number, flowTracker: FlowTrackerOptions = {}) {
  const warnings: IngestWarning[] = [];
  const batches: RecordBatch[] = [];
  const source = await openByteSourceFromChunks(name, rechunk([bytes], chunkSize));
  for await (const b of readCaptureRecords(source, { maxInvalid: 25, onWarning: (w) => warnings.push(w), flowTracker })) batches.push(b);
  return {
    warnings,
    batches,
    flows: batches.flatMap((b) => b.flows),
    dns: batches.flatMap((b) => b.dns),
    ticks: batches.flatMap((b) => b.ticks),
  };
}

/** Zeek's dns.log rows (TSV) as comparable strings. */
function zeekDnsRows(path: string): string[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const fields = lines.find((l) => l.startsWith('#fields'))!.split('\t').slice(1);
  const col = (name: string) => fields.indexOf(name);
  return lines
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split('\t'))
    .map((c) => {
      const v = (name: string) => (c[col(name)] === '-' ? '' : c[col(name)]!);
      return [v('id.orig_h'), v('id.orig_p'), v('id.resp_h'), v('id.resp_p'), v('trans_id'), v('query'), v('qtype'), v('rcode'), v('answers')].join(' ');
    })
    .sort();
}

describeWithSharedData('capture ingest on Zeek test traces (shared data)', () => {
  const tracePath = sharedData('zeek-conformance', 'opt.basic', 'trace.pcap');

  it.each([1, 7, 65536])('gives the same records at input chunk size %i', async (size) => {
    const bytes = new Uint8Array(readFileSync(tracePath));
    const reference = await readAll('trace.pcap', bytes, 1 << 20);
    const got = await readAll('trace.pcap', bytes, size);
    expect(reference.flows).toHaveLength(34); // Zeek's conn.log for this trace has 34 rows
    expect(got.flows).toEqual(reference.flows);
    expect(got.dns).toEqual(reference.dns);
    expect(got.ticks).toEqual(reference.ticks);
    expect(got.warnings).toEqual([]);
  });

  it("pairs DNS like Zeek's dns.log for the same trace", async () => {
    const bytes = new Uint8Array(readFileSync(tracePath));
    const { dns } = await readAll('trace.pcap', bytes, 65536);
    const ours = dns
      .map((d) => [d.client, d.clientP, d.server, d.serverP, d.transId ?? '', d.query, d.qtype ?? '', d.rcode ?? '', d.answers.join(',')].join(' '))
      .sort();
    expect(ours).toEqual(zeekDnsRows(sharedData('zeek-conformance', 'opt.basic', 'dns.log')));
  });

  it('ticks add up to every packet the flows counted', async () => {
    const bytes = new Uint8Array(readFileSync(sharedData('zeek-conformance', 'scripts.base.protocols.ssh.basic', 'trace.pcap')));
    const { flows, ticks } = await readAll('ssh.pcap', bytes, 65536);
    const flowPkts = flows.reduce((n, f) => n + f.origPkts + f.respPkts, 0);
    const tickPkts = ticks.reduce((n, t) => n + t.pkts, 0);
    expect(flowPkts).toBeGreaterThan(1000);
    expect(tickPkts).toBe(flowPkts);
  });

  it('a capture cut in the middle yields the connections of the whole packets and a truncation warning', async () => {
    const bytes = new Uint8Array(readFileSync(tracePath));
    const cut = bytes.subarray(0, Math.floor(bytes.length / 2) + 3);
    for (const size of [7, 65536]) {
      const { flows, warnings } = await readAll('cut.pcap', cut, size);
      expect(flows.length).toBeGreaterThan(0);
      expect(flows.length).toBeLessThanOrEqual(34);
      expect(warnings.map((w) => w.code)).toContain('INPUT_TRUNCATED');
    }
  });

  it('with verifyChecksums a bad TCP checksum gives Zeek\'s C / OTH with no packets counted; without, the SYN counts', async () => {
    const bytes = new Uint8Array(readFileSync(sharedData('zeek-conformance', 'core.tcp.bad-checksum-syn', 'trace.pcap')));
    const verified = (await readAll('syn-bad.pcap', bytes, 7, { verifyChecksums: true })).flows;
    expect(verified.map((f) => [f.history, f.connState, f.origPkts, f.respPkts])).toEqual([['C', 'OTH', 0, 0]]);
    const plain = (await readAll('syn-bad.pcap', bytes, 7)).flows;
    expect(plain.map((f) => [f.history, f.connState, f.origPkts])).toEqual([['S', 'S0', 1]]);
  });

  it('with verifyChecksums good packets are unaffected', async () => {
    const bytes = new Uint8Array(readFileSync(sharedData('zeek-conformance', 'scripts.base.protocols.ssh.basic', 'trace.pcap')));
    const a = (await readAll('ssh.pcap', bytes, 65536, { verifyChecksums: true })).flows;
    const b = (await readAll('ssh.pcap', bytes, 65536)).flows;
    expect(a).toEqual(b);
  });
});
