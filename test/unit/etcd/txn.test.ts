import { expect } from 'chai';
import { LeadershipLostError } from '../../../lib/etcd/errors.js';
import { Transaction, type TxnPlan } from '../../../lib/etcd/txn.js';

describe('transaction builder', () => {
  it('collects conditions, writes and the fence, and does I/O only on commit', async () => {
    const plans: TxnPlan[] = [];
    const txn = new Transaction(async (plan) => {
      plans.push(plan);
      return { succeeded: true, revision: 7, current: new Map(), fenceHeld: true };
    })
      .fencedBy({ key: '/p/election/x/1', createRevision: 3 })
      .ifAbsent('a')
      .ifModRevision('b', 5)
      .ifModRevision('c', 0)
      .put('a', '1')
      .delete('b');
    expect(plans).to.have.length(0);
    const result = await txn.commit();
    expect(result.revision).to.equal(7);
    expect(plans[0]).to.deep.equal({
      conditions: [{ kind: 'absent', key: 'a' }, { kind: 'modRevision', key: 'b', revision: 5 }, { kind: 'absent', key: 'c' }],
      writes: [{ kind: 'put', key: 'a', value: '1' }, { kind: 'delete', key: 'b' }],
      fence: { key: '/p/election/x/1', createRevision: 3 },
    });
  });

  it('reports a failed condition as a result, but a lost fence as LeadershipLostError', async () => {
    const failing = (fenceHeld: boolean) => new Transaction(async () => ({
      succeeded: false, revision: 9, current: new Map([['a', null]]), fenceHeld,
    })).fencedBy({ key: 'k', createRevision: 1 }).ifAbsent('a');
    expect((await failing(true).commit()).succeeded).to.equal(false);
    let error: unknown;
    try {
      await failing(false).commit();
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(LeadershipLostError);
  });
});
