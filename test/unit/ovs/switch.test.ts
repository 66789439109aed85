import { expect } from 'chai';
import { intToIpv4 } from '../../../lib/net/ipv4.js';
import { type Flow, flow, flowKey, ofPort, renderFlow } from '../../../lib/ovs/flow.js';
import { OvsSwitch } from '../../../lib/ovs/switch.js';
import { ScriptedRunner } from '../../support/scripted-runner.js';

const delivery = (owner: bigint, i: number): Flow =>
  flow(70, 100).owner(owner).matching({ protocol: 'ip', nwDst: intToIpv4(0x0a800000 + i) }).output(ofPort(3 + (i % 5)));
const keyed = (flows: Flow[]) => new Map(flows.map((f) => [flowKey(f), f]));

describe('OvsSwitch.replaceAllFlows', () => {
  it('writes every owner\'s flows to one replace-flows bundle, in pieces, as renderFlow renders them', async () => {
    const runner = new ScriptedRunner([]);
    const ovs = new OvsSwitch(runner, { bridge: 'br0', runDir: '/run/test' });
    const first = Array.from({ length: 700 }, (_, i) => delivery(0x300000000000001n, i));
    const second = Array.from({ length: 501 }, (_, i) => delivery(0x300000000000002n, 700 + i));
    await ovs.replaceAllFlows([keyed(first), keyed(second)]);
    expect(runner.calls).to.have.lengthOf(1);
    const [call] = runner.calls;
    expect(call!.args.join(' ')).to.match(/ --bundle replace-flows unix:\/run\/test\/br0\.mgmt -$/);
    expect(call!.input).to.equal([...first, ...second].map((f) => `${renderFlow(f)}\n`).join(''));
    // 1201 flows in pieces of 500: the text is never held whole.
    expect(call!.inputPieces).to.equal(3);
  });

  it('writes an empty input for an empty table', async () => {
    const runner = new ScriptedRunner([]);
    await new OvsSwitch(runner, { bridge: 'br0', runDir: '/run/test' }).replaceAllFlows([]);
    expect(runner.calls[0]!.input).to.equal('');
  });
});
