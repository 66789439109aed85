import { expect } from 'chai';
import fc from 'fast-check';
import { type ActionDecision, planAction } from '../../../lib/tenant/actions.js';
import { VnidAssignments } from '../../../lib/tenant/assignments.js';
import { GLOBAL_VNID, type Vnid } from '../../../lib/tenant/vnid.js';

function assign(model: VnidAssignments, ...namespaces: string[]): void {
  for (const namespace of namespaces) {
    const change = model.planAssign(namespace);
    if (change) model.commit(change);
  }
}

function apply(model: VnidAssignments, namespace: string, action: string, target = ''): ActionDecision {
  const decision = planAction(model, namespace, action, target);
  if (decision.accepted) model.commit(decision.change);
  return decision;
}

function rejected(decision: ActionDecision): string {
  expect(decision.accepted).to.equal(false);
  return decision.accepted ? '' : decision.reason;
}

describe('tenant actions', () => {
  let model: VnidAssignments;
  beforeEach(() => {
    model = new VnidAssignments({ adminNamespaces: ['openshift-infra'] });
    assign(model, 'a', 'b', 'c', 'default', 'kube-system', 'openshift-infra');
  });

  it('gives new namespaces distinct VNIDs and admin namespaces VNID 0', () => {
    expect(new Set([model.vnidOf('a'), model.vnidOf('b'), model.vnidOf('c')]).size).to.equal(3);
    expect(model.vnidOf('kube-system')).to.equal(GLOBAL_VNID);
    expect(model.vnidOf('openshift-infra')).to.equal(GLOBAL_VNID);
  });

  // The original k8s-ovs made only kube-system global; a switching user's tenants may live in default.
  it('treats default as an ordinary tenant and kube-system as the one built-in admin namespace, fresh or migrated', () => {
    expect(model.vnidOf('default')).to.be.within(10, 0xffffff);
    const migrated = (vnid: number) => VnidAssignments.rebuild(
      [{ namespace: 'default', vnid: vnid as Vnid }, { namespace: 'kube-system', vnid: GLOBAL_VNID }, { namespace: 'a', vnid: 11 as Vnid }]).assignments;
    for (const cluster of [model, migrated(0), migrated(3831805)]) {
      expect(planAction(cluster, 'default', 'isolate', '').accepted).to.equal(true);
      expect(planAction(cluster, 'default', 'join', 'a').accepted).to.equal(true);
      expect(rejected(planAction(cluster, 'kube-system', 'isolate', ''))).to.match(/"kube-system" is an admin namespace/);
      expect(rejected(planAction(cluster, 'kube-system', 'join', 'a'))).to.match(/"kube-system" is an admin namespace/);
    }
  });

  it('join takes the VNID of the joined namespace and releases the old one if unused', () => {
    const old = model.vnidOf('a')!;
    const decision = apply(model, 'a', 'join', 'b');
    expect(decision.accepted && decision.change.release).to.equal(old);
    expect(model.vnidOf('a')).to.equal(model.vnidOf('b'));
    expect(model.allocatedVnids()).to.not.include(old);
  });

  it('isolate gives a shared namespace a fresh VNID and keeps the other on the old one', () => {
    apply(model, 'a', 'join', 'b');
    const shared = model.vnidOf('b')!;
    apply(model, 'a', 'isolate');
    expect(model.vnidOf('a')).to.not.equal(shared);
    expect(model.vnidOf('b')).to.equal(shared);
    expect(model.allocatedVnids()).to.include(shared);
  });

  it('isolate keeps the VNID of a namespace that is already alone', () => {
    const before = model.vnidOf('c');
    const decision = apply(model, 'c', 'isolate');
    expect(decision.accepted && decision.change.from === decision.change.to).to.equal(true);
    expect(model.vnidOf('c')).to.equal(before);
  });

  it('isolate gives a global namespace a fresh VNID', () => {
    apply(model, 'c', 'global');
    apply(model, 'c', 'isolate');
    expect(model.vnidOf('c')).to.be.greaterThanOrEqual(10);
  });

  it('global sets VNID 0 and returns the unused VNID to the pool', () => {
    const old = model.vnidOf('c')!;
    apply(model, 'c', 'global');
    expect(model.vnidOf('c')).to.equal(GLOBAL_VNID);
    expect(model.allocatedVnids()).to.not.include(old);
  });

  it('a VNID stays in use while any namespace still has it', () => {
    apply(model, 'a', 'join', 'b');
    const shared = model.vnidOf('b')!;
    const removal = model.planRemove('b')!;
    expect(removal.release).to.equal(null);
    model.commit(removal);
    expect(model.allocatedVnids()).to.include(shared);
    const last = model.planRemove('a')!;
    expect(last.release).to.equal(shared);
  });

  const invalid: Array<[string, string, string, string, RegExp]> = [
    ['an unknown action', 'a', 'merge', '', /not one of join, isolate, global/],
    ['join without Namespace', 'a', 'join', '', /needs Namespace/],
    ['join to an unknown namespace', 'a', 'join', 'nope', /"nope" to join does not exist/],
    ['join to itself', 'a', 'join', 'a', /cannot join itself/],
    ['isolate with a Namespace', 'a', 'isolate', 'b', /only used with Action "join"/],
    ['isolating an admin namespace', 'kube-system', 'isolate', '', /admin namespace/],
    ['joining an admin namespace elsewhere', 'openshift-infra', 'join', 'a', /admin namespace/],
    ['an action on a namespace without VNID', 'zzz', 'global', '', /has no VNID/],
  ];
  for (const [what, namespace, action, target, reason] of invalid) {
    it(`rejects ${what} with a reason and changes nothing`, () => {
      const before = model.namespaces().map((ns) => [ns, model.vnidOf(ns)]);
      const pool = model.allocatedVnids();
      expect(rejected(apply(model, namespace, action, target))).to.match(reason);
      expect(model.namespaces().map((ns) => [ns, model.vnidOf(ns)])).to.deep.equal(before);
      expect(model.allocatedVnids()).to.deep.equal(pool);
    });
  }

  it('rejects isolate when the pool is full, and changes nothing', () => {
    const small = new VnidAssignments({ range: { min: 10, max: 11 } });
    assign(small, 'a', 'b');
    apply(small, 'a', 'join', 'b');
    assign(small, 'c');
    expect(rejected(apply(small, 'a', 'isolate'))).to.match(/no free VNID/);
    expect(small.vnidOf('a')).to.equal(small.vnidOf('b'));
  });

  it('an abandoned plan returns its new VNID to the pool', () => {
    const change = model.planAssign('d')!;
    model.abandon(change);
    expect(model.allocatedVnids()).to.not.include(change.to);
    expect(model.vnidOf('d')).to.equal(undefined);
  });

  it('rebuilds from stored records, counting shared VNIDs once', () => {
    const { assignments, problems } = VnidAssignments.rebuild([
      { namespace: 'a', vnid: 10 as Vnid }, { namespace: 'b', vnid: 10 as Vnid }, { namespace: 'c', vnid: 0 as Vnid },
      { namespace: 'd', vnid: 99 as Vnid },
    ], { range: { min: 10, max: 20 } });
    expect(assignments.allocatedVnids()).to.deep.equal([10]);
    expect(assignments.usersOf(10 as Vnid).sort()).to.deep.equal(['a', 'b']);
    expect(problems.map((problem) => problem.namespace)).to.deep.equal(['d']);
    expect(assignments.planAssign('e')!.to).to.equal(11);
  });
});

describe('tenant actions (properties)', () => {
  const NAMES = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7'];
  type Op =
    | { op: 'create' | 'delete' | 'isolate' | 'global'; ns: string }
    | { op: 'join'; ns: string; target: string }
    | { op: 'bogus'; ns: string; action: string };
  const name = fc.constantFrom(...NAMES);
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constantFrom('create' as const, 'delete' as const, 'isolate' as const, 'global' as const), ns: name }),
    fc.record({ op: fc.constant('join' as const), ns: name, target: name }),
    fc.record({ op: fc.constant('bogus' as const), ns: name, action: fc.string({ maxLength: 6 }) }),
  );

  it('keeps VNIDs unique per group, in range, and never leaks one', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 80 }), fc.boolean(), (ops, rebuildMidway) => {
      const range = { min: 10, max: 17 };
      let model = new VnidAssignments({ range });
      // Reference model: which namespaces must share a VNID (group ids), 'global' for VNID 0.
      const group = new Map<string, string | number>();
      let nextGroup = 0;
      ops.forEach((step, index) => {
        if (rebuildMidway && index === Math.floor(ops.length / 2)) {
          model = VnidAssignments.rebuild(model.namespaces().map((ns) => ({ namespace: ns, vnid: model.vnidOf(ns)! })), { range }).assignments;
        }
        if (step.op === 'create') {
          try {
            const change = model.planAssign(step.ns);
            if (change) {
              model.commit(change);
              group.set(step.ns, nextGroup++);
            }
          } catch {
            expect(model.allocatedVnids().length).to.equal(8);
          }
          return;
        }
        if (step.op === 'delete') {
          const change = model.planRemove(step.ns);
          if (change) model.commit(change);
          group.delete(step.ns);
          return;
        }
        const action = step.op === 'bogus' ? step.action : step.op;
        const target = step.op === 'join' ? step.target : '';
        const decision = planAction(model, step.ns, action, target);
        if (!decision.accepted) return;
        model.commit(decision.change);
        if (decision.action.kind === 'join') group.set(step.ns, group.get(target)!);
        else if (decision.action.kind === 'global') group.set(step.ns, 'global');
        else if (decision.change.from !== decision.change.to) group.set(step.ns, nextGroup++);
      });
      const inUse = new Set<number>();
      for (const ns of model.namespaces()) {
        const vnid = model.vnidOf(ns)!;
        if (group.get(ns) === 'global') expect(vnid).to.equal(0);
        else expect(vnid).to.be.within(range.min, range.max);
        if (vnid !== 0) inUse.add(vnid);
        for (const other of model.namespaces()) {
          expect(model.vnidOf(other) === vnid).to.equal(group.get(other) === group.get(ns));
        }
      }
      expect(model.namespaces().sort()).to.deep.equal([...group.keys()].sort());
      expect(model.allocatedVnids()).to.deep.equal([...inUse].sort((a, b) => a - b));
    }), { numRuns: 300 });
  });
});
