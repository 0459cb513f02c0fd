import { dottedQuadValue } from '../../src/detect/dotted-quad.js';
import { isMulticastOrBroadcast, isPrivateAddress } from '../../src/detect/ip-class.js';

describe('address classes', () => {
  it.each([
    ['224.0.0.251', true],
    ['239.255.255.250', true],
    ['255.255.255.255', true],
    ['0.0.0.0', true],
    ['223.1.1.1', false],
    ['224.0.0.0', true],
    ['239.0.0.1', true],
    ['240.0.0.1', false],
    ['127.255.255.255', false],
    ['10.0.0.1', false],
    ['ff02::fb', true],
    ['fe80::1', false],
    ['not-an-ip', false],
  ])('multicast/broadcast %s → %s', (ip, expected) => {
    expect(isMulticastOrBroadcast(ip)).toBe(expected);
    // With the number a record carries (FlowRecord.respV4: the Int32, -1 when not a canonical dotted quad).
    expect(isMulticastOrBroadcast(ip, dottedQuadValue(ip) | 0)).toBe(expected);
  });

  it.each([
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['100.64.0.1', true],
    ['169.254.1.1', true],
    ['8.8.8.8', false],
    ['fd00::1', true],
    ['fe80::1', true],
    ['2001:db8::1', false],
  ])('private %s → %s', (ip, expected) => {
    expect(isPrivateAddress(ip)).toBe(expected);
  });
});
