import { createFlowTracker } from '../../../src/ingest/flow-tracker/flow-tracker.js';
import type { DecodedPacket } from '../../../src/ingest/pcap/decoded-packet.js';
import { ACK, SYN, tcp, udp } from './packets.js';

const X = '10.0.0.1';
const Y = '10.0.0.2';
const Z = '10.0.0.3';

function ticksOf(packets: DecodedPacket[], maxFlows?: number) {
  const tracker = createFlowTracker(maxFlows === undefined ? {} : { maxFlows });
  for (const p of packets) tracker.addPacket(p);
  return tracker.finish().ticks.map((t) => `${t.sec} ${t.dst}:${t.port}/${t.proto} ${t.pkts}p ${t.bytes}B`);
}

// The order of ticks is what the rate detector sees (it must not change): per second, the connections in
// the order they were first counted, each giving the tick of its originator's packets (to the responder)
// before the one of its responder's; a connection that ends within the second gives its ticks when it ends.
describe('packet ticks: order', () => {
  it('a role flip within the second swaps which of a connection\'s two ticks comes first', () => {
    // A SYN-ACK from a port that is not a likely server port starts a connection with X as the originator
    // (history H); the ACK that follows flips it (^h), so Y is the originator by the end of the second.
    expect(
      ticksOf([
        tcp(1000.1, X, 5555, Y, 40000, SYN | ACK, 500, 101),
        tcp(1000.2, Y, 40000, X, 5555, ACK, 101, 501),
        udp(1000.3, Z, 7000, X, 9000, 10),
        tcp(1000.4, X, 5555, Y, 40000, ACK, 501, 101, 5),
        udp(1001.1, Z, 7000, X, 9000, 10),
        tcp(1001.2, X, 5555, Y, 40000, ACK, 506, 101),
      ]),
    ).toEqual([
      '1000 10.0.0.1:5555/tcp 1p 40B',
      '1000 10.0.0.2:40000/tcp 2p 85B',
      '1000 10.0.0.1:9000/udp 1p 38B',
      // At the end of input the open connections end in slot order, each giving its ticks then.
      '1001 10.0.0.2:40000/tcp 1p 40B',
      '1001 10.0.0.1:9000/udp 1p 38B',
    ]);
  });

  it('a connection that ends within the second gives its ticks then, a later one to the same host adds to them', () => {
    // maxFlows 1: each new connection finishes the one before it, within the second.
    expect(
      ticksOf(
        [
          udp(2000.1, X, 1000, Y, 9000, 10),
          udp(2000.2, Y, 9000, X, 1000, 20),
          udp(2000.3, Z, 1001, Y, 9001, 30),
          udp(2000.4, X, 1002, Y, 9000, 40),
          udp(2000.5, Y, 9000, X, 1002, 1),
          udp(2001.5, Z, 1001, Y, 9001, 2),
        ],
        1,
      ),
    ).toEqual([
      '2000 10.0.0.2:9000/udp 2p 106B',
      '2000 10.0.0.1:1000/udp 1p 48B',
      '2000 10.0.0.2:9001/udp 1p 58B',
      '2000 10.0.0.1:1002/udp 1p 29B',
      '2001 10.0.0.2:9001/udp 1p 30B',
    ]);
  });

  it('a connection that ends within the second gives its ticks before those of connections counted earlier', () => {
    // A SYN with a new sequence number on the second tuple ends its connection at 3000.3 and starts another.
    expect(
      ticksOf([
        tcp(3000.1, X, 40000, Y, 80, SYN, 100, 0),
        tcp(3000.2, X, 40001, Y, 443, SYN, 200, 0),
        tcp(3000.3, X, 40001, Y, 443, SYN, 900, 0),
        tcp(3001.1, X, 40000, Y, 80, SYN, 100, 0),
      ]),
    ).toEqual(['3000 10.0.0.2:443/tcp 2p 80B', '3000 10.0.0.2:80/tcp 1p 40B', '3001 10.0.0.2:80/tcp 1p 40B']);
  });
});
