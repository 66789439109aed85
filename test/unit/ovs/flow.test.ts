import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { parseIpv4 } from '../../../lib/net/ipv4.js';
import { parseMac } from '../../../lib/net/mac.js';
import { flow, flowKey, ofPort, renderFlow } from '../../../lib/ovs/flow.js';
import { KNOWN_COOKIES_MAX, cookieCategory, knownCookies, ownerCookie } from '../../../lib/ovs/cookie.js';
import { parseDumpFlows } from '../../../lib/ovs/dump.js';

describe('flow builder', () => {
  it('renders a match and actions in ovs-ofctl syntax, meter first and goto_table last', () => {
    const f = flow(20, 100).owner(0x300000000000002n)
      .matching({ inPort: ofPort(3), protocol: 'ip', dlSrc: parseMac('0a:58:0a:80:00:05'), nwSrc: parseIpv4('10.128.0.5') })
      .setRegister(0, 12).gotoTable(30).meter(3);
    expect(renderFlow(f)).to.equal('table=20,priority=100,in_port=3,ip,dl_src=0a:58:0a:80:00:05,' +
      'nw_src=10.128.0.5,cookie=0x300000000000002,actions=meter:3,set_field:12->reg0,goto_table:30');
  });

  it('renders a fragment match as nw_frag', () => {
    const f = flow(60, 100).matching({ protocol: 'udp', reg: { 0: 11 }, nwDst: parseIpv4('172.30.0.53'), nwFrag: 'later' }).output(ofPort(2));
    expect(flowKey(f)).to.equal('table=60,priority=100,udp,reg0=11,nw_dst=172.30.0.53,nw_frag=later');
  });

  it('renders a flow with no actions as drop', () => {
    expect(renderFlow(flow(0, 0))).to.equal('table=0,priority=0,cookie=0x0,actions=drop');
  });

  it('refuses a goto_table that does not move forward, which OpenFlow 1.3 rejects', () => {
    expect(() => flow(30, 1).gotoTable(20)).to.throw(/must move forward/);
  });

  it('identifies a flow by table, priority and match, not by its actions', () => {
    const a = flow(70, 100).matching({ protocol: 'ip', nwDst: parseIpv4('10.0.0.1') }).output(ofPort(3));
    const b = flow(70, 100).matching({ protocol: 'ip', nwDst: parseIpv4('10.0.0.1') }).output(ofPort(4));
    expect(flowKey(a)).to.equal(flowKey(b));
    expect(flowKey(a)).to.not.equal(flowKey(flow(70, 99).matching({ protocol: 'ip', nwDst: parseIpv4('10.0.0.1') })));
  });
});

describe('owner cookies', () => {
  it('keeps the category in the top byte and differs between owners', () => {
    const a = ownerCookie(3, 'ko1'), b = ownerCookie(3, 'ko2');
    expect(cookieCategory(a)).to.equal(3);
    expect(a).to.not.equal(b);
    expect(ownerCookie(3, 'ko1')).to.equal(a);
    expect(() => ownerCookie(0, 'x')).to.throw(RangeError);
  });

  it('keeps the value flows already carry (sha256 of the key) and its memory bounded across any number of owners', () => {
    const expected = (category: number, key: string) =>
      (BigInt(category) << 56n) | (createHash('sha256').update(key).digest().readBigUInt64BE(0) & ((1n << 56n) - 1n));
    const first = ownerCookie(3, 'ko-first');
    expect(first).to.equal(expected(3, 'ko-first'));
    expect(ownerCookie(4, 'ko-first')).to.equal(expected(4, 'ko-first'));
    for (let i = 0; i <= KNOWN_COOKIES_MAX; i++) ownerCookie(3, `ko-churn-${i}`);
    expect(knownCookies()).to.be.at.most(KNOWN_COOKIES_MAX);
    expect(ownerCookie(3, 'ko-first')).to.equal(first);
  });
});

describe('dump-flows parsing', () => {
  it('reads cookie, table, priority, match and actions as OVS prints them', () => {
    const flows = parseDumpFlows([
      ' cookie=0x100000000000001, priority=100,in_port=1 actions=goto_table:10',
      ' cookie=0x300000000000002, table=20, priority=100,ip,in_port=3,nw_src=10.128.0.5 actions=set_field:0xc->reg0,goto_table:30',
      ' table=30, priority=0 actions=drop',
    ].join('\n'));
    expect(flows).to.have.length(3);
    expect(flows[0]).to.deep.equal({ cookie: 0x100000000000001n, table: 0, priority: 100, match: 'in_port=1', actions: 'goto_table:10' });
    expect(flows[1]?.match).to.equal('ip,in_port=3,nw_src=10.128.0.5');
    expect(flows[2]).to.include({ cookie: 0n, table: 30, priority: 0, match: '', actions: 'drop' });
  });
});

describe('OpenFlow port numbers', () => {
  it('are 1 to 0xffffff00; OVS reports -1 or nothing for a port it could not number', () => {
    expect(ofPort(1)).to.equal(1);
    expect(ofPort(0xffffff00)).to.equal(0xffffff00);
    for (const bad of [0, -1, 1.5, 0xffffff01]) expect(() => ofPort(bad, 'vxlan0')).to.throw(`vxlan0: ${bad} is not an OpenFlow port number`);
  });
});
