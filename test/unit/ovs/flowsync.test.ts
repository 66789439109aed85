import { expect } from 'chai';
import { parseIpv4 } from '../../../lib/net/ipv4.js';
import { flow, ofPort } from '../../../lib/ovs/flow.js';
import { FlowSync } from '../../../lib/ovs/flowsync.js';
import { FakeFlowTable } from '../../support/fakeflows.js';

const A = 0x300000000000001n, B = 0x300000000000002n;
const deliver = (owner: bigint, ip: string, port: number) =>
  flow(70, 100).owner(owner).matching({ protocol: 'ip', nwDst: parseIpv4(ip) }).output(ofPort(port));

describe('FlowSync', () => {
  it('sends only the differences of an owner, in one bundle', async () => {
    const table = new FakeFlowTable();
    const sync = new FlowSync(table);
    await sync.replaceOwners(new Map([[A, [deliver(A, '10.0.0.1', 3), deliver(A, '10.0.0.2', 3)]]]));
    const sent = await sync.replaceOwners(new Map([[A, [deliver(A, '10.0.0.1', 3), deliver(A, '10.0.0.3', 3)]]]));
    expect(sent).to.equal(2);
    expect(table.bundles.at(-1)?.map((c) => c.op)).to.have.members(['deleteStrict', 'add']);
    expect([...table.flows.values()].map((f) => f.match.nwDst)).to.have.members(['10.0.0.1', '10.0.0.3']);
  });

  it('changes several owners atomically and removes an owner given no flows', async () => {
    const table = new FakeFlowTable();
    const sync = new FlowSync(table);
    await sync.replaceOwners(new Map([[A, [deliver(A, '10.0.0.1', 3)]], [B, [deliver(B, '10.0.0.2', 4)]]]));
    await sync.replaceOwners(new Map([[A, []], [B, [deliver(B, '10.0.0.2', 5)]]]));
    expect(table.bundles).to.have.length(2);
    expect(table.ofOwner(A)).to.have.lengthOf(0);
    expect(table.ofOwner(B)[0]?.actions).to.deep.equal([{ kind: 'output', port: 5 }]);
    // Nothing of A is cached: removing it again changes nothing.
    expect(await sync.replaceOwners(new Map([[A, []]]))).to.equal(0);
  });

  it('keeps its cache unchanged when the switch rejects a bundle, so a retry sends everything again', async () => {
    const table = new FakeFlowTable();
    const sync = new FlowSync(table);
    table.failNextBundle = true;
    await sync.replaceOwners(new Map([[A, [deliver(A, '10.0.0.1', 3)]]])).then(
      () => expect.fail('should reject'), (e: Error) => expect(e.message).to.match(/rejected/));
    expect(await sync.replaceOwners(new Map([[A, [deliver(A, '10.0.0.1', 3)]]]))).to.equal(1);
    expect(table.ofOwner(A)).to.have.length(1);
  });

  it('sends nothing when the desired flows equal the installed ones', async () => {
    const table = new FakeFlowTable();
    const sync = new FlowSync(table);
    await sync.replaceOwners(new Map([[A, [deliver(A, '10.0.0.1', 3)]]]));
    expect(await sync.replaceOwners(new Map([[A, [deliver(A, '10.0.0.1', 3)]]]))).to.equal(0);
  });

  it('replaces the whole table on a full sync and rebuilds its cache from it', async () => {
    const table = new FakeFlowTable();
    const sync = new FlowSync(table);
    await sync.replaceOwners(new Map([[A, [deliver(A, '10.0.0.1', 3)]]]));
    await sync.replaceAll(new Map([[B, [deliver(B, '10.0.0.9', 4)]]]));
    expect([...table.flows.values()].map((f) => f.cookie)).to.deep.equal([B]);
    // The cache holds B's flow and not A's: removing them takes one change and none.
    expect(await sync.replaceOwners(new Map([[A, []]]))).to.equal(0);
    expect(await sync.replaceOwners(new Map([[B, []]]))).to.equal(1);
  });
});
