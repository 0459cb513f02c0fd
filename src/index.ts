/** flowhound as a library: everything except src/cli/ (which prints and exits). */
export * from './errors.js';
export * from './types.js';
export * from './io/byte-source.js';
export * from './ingest/detect.js';
export * from './ingest/read-input.js';
export * from './io/lines.js';
export { readZeekTsv, type ZeekReadStats } from './ingest/zeek/read-zeek-tsv.js';
export { readZeekJson } from './ingest/zeek/read-zeek-json.js';
export { readCapturePackets, type CaptureStats, type ReadCaptureOptions } from './ingest/pcap/read-capture.js';
export type { DecodedPacket, PacketHandler } from './ingest/pcap/decoded-packet.js';
export { parseDnsMessage, parseDnsOverTcp, type DnsMessage, type DnsQuestion, type DnsAnswer } from './ingest/pcap/dns-message.js';
export { nameDnsQueryType, nameDnsRcode } from './ingest/pcap/dns-names.js';
