import { expect } from 'chai';
import { StoreError } from '../../../lib/etcd/errors.js';
import { Transaction, type TxnPlan } from '../../../lib/etcd/txn.js';
import type { KeyValue, Store, TxnResult } from '../../../lib/etcd/types.js';
import { applyPlan } from '../../../lib/migrate/apply.js';
import { MigrationRaceError, MigrationTooLargeError } from '../../../lib/migrate/errors.js';
import type { MigrationPlan } from '../../../lib/migrate/plan.js';

/** A store whose only working part is txn(): it records each transaction and answers with `answer`. */
function fakeStore(answer: (plan: TxnPlan) => TxnResult): { store: Store; plans: TxnPlan[] } {
  const plans: TxnPlan[] = [];
  const store = {
    txn: () => new Transaction(async (plan) => {
      plans.push(plan);
      return { ...answer(plan), fenceHeld: true };
    }),
  } as unknown as Store;
  return { store, plans };
}

const PLAN: MigrationPlan = {
  network: 'k8ssdn',
  entries: [
    { key: 'config', value: 'C', action: 'identical', reason: '', v3ModRevision: 7 },
    { key: 'k8ssdn/subnets/10.0.0.1', value: 'S1', action: 'copy', reason: '', v3ModRevision: 0 },
    { key: 'k8ssdn/subnets/10.0.0.2', value: 'S2', action: 'conflict', reason: '', v3ModRevision: 9 },
    { key: 'k8ssdn/netnamespaces/a', value: 'N', action: 'copy', reason: '', v3ModRevision: 0 },
    { key: 'k8ssdn/netnamespaces/b', value: 'bad', action: 'invalid', reason: '', v3ModRevision: 0 },
  ],
};

function kv(key: string, modRevision: number): KeyValue {
  return { key, value: 'other', createRevision: modRevision, modRevision };
}

describe('migration applier', () => {
  it('writes every copy in one transaction that requires copies absent and identical keys unchanged', async () => {
    const { store, plans } = fakeStore(() => ({ succeeded: true, revision: 12, current: new Map() }));
    expect(await applyPlan(store, PLAN)).to.deep.equal({ written: 2, revision: 12 });
    expect(plans).to.have.length(1);
    expect(plans[0]).to.deep.equal({
      conditions: [
        { kind: 'absent', key: 'k8ssdn/subnets/10.0.0.1' },
        { kind: 'absent', key: 'k8ssdn/netnamespaces/a' },
        { kind: 'modRevision', key: 'config', revision: 7 },
      ],
      writes: [
        { kind: 'put', key: 'k8ssdn/subnets/10.0.0.1', value: 'S1' },
        { kind: 'put', key: 'k8ssdn/netnamespaces/a', value: 'N' },
      ],
      fence: null,
    });
  });

  it('sends nothing when there is nothing to copy', async () => {
    const { store, plans } = fakeStore(() => { throw new Error('no transaction expected'); });
    const identical: MigrationPlan = { network: 'k8ssdn', entries: [PLAN.entries[0]!] };
    expect(await applyPlan(store, identical)).to.deep.equal({ written: 0, revision: 0 });
    expect(plans).to.have.length(0);
  });

  it('names the keys that changed since planning when etcd refuses the transaction', async () => {
    const { store } = fakeStore(() => ({
      succeeded: false, revision: 13,
      current: new Map<string, KeyValue | null>([
        ['k8ssdn/subnets/10.0.0.1', null], ['k8ssdn/netnamespaces/a', kv('k8ssdn/netnamespaces/a', 11)],
        ['config', kv('config', 7)],
      ]),
    }));
    const error = await applyPlan(store, PLAN).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(MigrationRaceError);
    expect((error as MigrationRaceError).keys).to.deep.equal(['k8ssdn/netnamespaces/a']);
  });

  it('explains etcd --max-txn-ops when the transaction is too large', async () => {
    const { store } = fakeStore(() => {
      throw new StoreError('transaction: 3 INVALID_ARGUMENT: etcdserver: too many operations in txn request');
    });
    const error = await applyPlan(store, PLAN).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(MigrationTooLargeError);
    expect((error as Error).message).to.match(/needs 3 operations .* --max-txn-ops=3/);
  });
});
