import { expect } from 'chai';
import { macOf, parseMac } from '../../../lib/net/mac.js';

describe('MAC addresses', () => {
  it('accepts six colon-separated hex bytes and writes them in lower case', () => {
    expect(parseMac('0A:58:0a:80:00:05')).to.equal('0a:58:0a:80:00:05');
    expect(macOf(Uint8Array.of(0x0a, 0x58, 10, 128, 0, 5))).to.equal('0a:58:0a:80:00:05');
  });

  it('refuses anything else, naming the field and the value', () => {
    for (const bad of ['', '0a:58:0a:80:00', '0a-58-0a-80-00-05', '0a:58:0a:80:00:0g', '0a:58:0a:80:00:05:06']) {
      expect(() => parseMac(bad, 'k8s-ovs-mac')).to.throw(`k8s-ovs-mac: "${bad}" is not a MAC address`);
    }
    expect(() => macOf(Uint8Array.of(1, 2, 3))).to.throw(/6 bytes, not 3/);
  });
});
