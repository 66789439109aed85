import { expect } from 'chai';
import type { KeyValue } from '../../../lib/etcd/types.js';
import { type PlanEntry, blockingEntries, countPlan, planMigration } from '../../../lib/migrate/plan.js';

const CONFIG = '{"Name":"k8ssdn","Network":"10.128.0.0/14","HostSubnetLength":9,' +
  '"ServiceNetwork":"172.30.0.0/16","PluginName":"k8s-ovs-multitenant"}';
// The original README writes the config with spaces after the commas.
const CONFIG_SPACED = '{"Name":"k8ssdn", "Network":"10.128.0.0/14", "HostSubnetLength":9, ' +
  '"ServiceNetwork":"172.30.0.0/16", "PluginName":"k8s-ovs-multitenant"}';
const SUBNET_KEY = 'k8ssdn/subnets/192.168.1.11';
const SUBNET = '{"Host":"node1","HostIP":"192.168.1.11","Subnet":"10.128.0.0/23","Assign":false}';
const NS_KEY = 'k8ssdn/netnamespaces/helloworld1';
const NS = '{"NetName":"helloworld1","NetID":3831805,"Action":"","Namespace":""}';

let revision = 100;
function v3(key: string, value: string): KeyValue {
  revision += 1;
  return { key, value, createRevision: revision, modRevision: revision };
}

function entry(entries: readonly PlanEntry[], key: string): PlanEntry {
  const found = entries.find((candidate) => candidate.key === key);
  if (!found) throw new Error(`no plan entry for ${key}`);
  return found;
}

describe('migration planner', () => {
  it('copies every valid key absent in v3, keeping the v2 text byte for byte', () => {
    const plan = planMigration(
      [{ key: NS_KEY, value: NS }, { key: SUBNET_KEY, value: SUBNET }, { key: 'config', value: CONFIG_SPACED }], []);
    expect(plan.network).to.equal('k8ssdn');
    expect(plan.entries.map((e) => [e.key, e.action, e.value, e.v3ModRevision])).to.deep.equal([
      ['config', 'copy', CONFIG_SPACED, 0],
      [NS_KEY, 'copy', NS, 0],
      [SUBNET_KEY, 'copy', SUBNET, 0],
    ]);
  });

  it('takes the config from <network>/config for a tree the original ran with --network', () => {
    const v2 = [{ key: 'prod/config', value: CONFIG }, { key: SUBNET_KEY, value: SUBNET }, { key: 'config', value: CONFIG }];
    const plan = planMigration(v2, [], 'prod/config');
    expect(plan.network).to.equal('k8ssdn');
    expect(plan.entries.map((e) => [e.key, e.action])).to.deep.equal([['prod/config', 'copy'], ['config', 'invalid'], [SUBNET_KEY, 'copy']]);
    expect(planMigration(v2, []).entries.map((e) => [e.key, e.action])).to.deep.include(['prod/config', 'invalid']);
  });

  it('keeps a pending Assign request, a global NetID 0 and shared NetIDs as they are', () => {
    const assign = '{"Host":"lb1","HostIP":"192.168.1.99","Subnet":"","Assign":true}';
    const shared = '{"NetName":"helloworld2","NetID":3831805,"Action":"","Namespace":""}';
    const global = '{"NetName":"helloworld3","NetID":0,"Action":"","Namespace":""}';
    const plan = planMigration([
      { key: 'config', value: CONFIG },
      { key: 'k8ssdn/subnets/192.168.1.99', value: assign },
      { key: NS_KEY, value: NS },
      { key: 'k8ssdn/netnamespaces/helloworld2', value: shared },
      { key: 'k8ssdn/netnamespaces/helloworld3', value: global },
    ], []);
    expect(countPlan(plan)).to.deep.equal({ copy: 5, identical: 0, conflict: 0, invalid: 0 });
    expect(entry(plan.entries, 'k8ssdn/netnamespaces/helloworld3').value).to.equal(global);
  });

  it('calls a key identical when v3 holds the same text or the same record formatted differently', () => {
    const plan = planMigration(
      [{ key: 'config', value: CONFIG_SPACED }, { key: SUBNET_KEY, value: SUBNET }],
      [v3('config', CONFIG), v3(SUBNET_KEY, SUBNET)]);
    expect(entry(plan.entries, 'config')).to.include({ action: 'identical' });
    expect(entry(plan.entries, 'config').reason).to.match(/formatted differently/);
    expect(entry(plan.entries, SUBNET_KEY)).to.include({ action: 'identical', reason: 'v3 holds the same value' });
  });

  it('remembers the mod revision of each identical key so the write can require it unchanged', () => {
    const existing = v3(SUBNET_KEY, SUBNET);
    const plan = planMigration([{ key: 'config', value: CONFIG }, { key: SUBNET_KEY, value: SUBNET }], [existing]);
    expect(entry(plan.entries, SUBNET_KEY).v3ModRevision).to.equal(existing.modRevision);
  });

  it('reports a conflict naming the field v3 holds differently', () => {
    const moved = '{"NetName":"helloworld1","NetID":6693608,"Action":"","Namespace":""}';
    const plan = planMigration([{ key: 'config', value: CONFIG }, { key: NS_KEY, value: NS }], [v3(NS_KEY, moved)]);
    const conflict = entry(plan.entries, NS_KEY);
    expect(conflict.action).to.equal('conflict');
    expect(conflict.reason).to.equal('v3 has NetID 6693608 (v2: 3831805)');
  });

  it('reports a conflict when v3 holds a value the daemon rejects', () => {
    const plan = planMigration([{ key: 'config', value: CONFIG }, { key: SUBNET_KEY, value: SUBNET }],
      [v3(SUBNET_KEY, 'garbage')]);
    expect(entry(plan.entries, SUBNET_KEY)).to.include({ action: 'conflict' });
    expect(entry(plan.entries, SUBNET_KEY).reason).to.match(/^v3 holds an invalid value: not valid JSON/);
  });

  it('marks values the daemon parsers reject as invalid, with the parser reason', () => {
    const plan = planMigration([
      { key: 'config', value: CONFIG },
      { key: 'k8ssdn/netnamespaces/broken', value: '{"NetName":"broken","NetID":' },
      // The admin guide's own example: HostIP differs from the key.
      { key: 'k8ssdn/subnets/192.168.1.99', value: '{"Host":"lb","HostIP":"192.168.1.97","Subnet":"","Assign":true}' },
      { key: 'k8ssdn/netnamespaces/huge', value: '{"NetName":"huge","NetID":16777216}' },
    ], []);
    expect(entry(plan.entries, 'k8ssdn/netnamespaces/broken').reason).to.match(/^not valid JSON/);
    expect(entry(plan.entries, 'k8ssdn/subnets/192.168.1.99').reason).to.equal('HostIP 192.168.1.97 does not match the key');
    expect(entry(plan.entries, 'k8ssdn/netnamespaces/huge').reason).to.match(/NetID: 16777216 is out of range/);
    expect(countPlan(plan)).to.deep.equal({ copy: 1, identical: 0, conflict: 0, invalid: 3 });
  });

  it('marks an invalid config with the field at fault', () => {
    const plan = planMigration([{ key: 'config', value: CONFIG.replace('"HostSubnetLength":9', '"HostSubnetLength":23') }], []);
    expect(plan.network).to.equal(null);
    expect(plan.entries[0]).to.include({ action: 'invalid' });
    expect(plan.entries[0]!.reason).to.match(/HostSubnetLength: 23/);
  });

  it('marks keys outside the layout or outside the configured network as invalid', () => {
    const plan = planMigration([
      { key: 'config', value: CONFIG },
      { key: 'othernet/subnets/192.168.1.11', value: SUBNET },
      { key: 'k8ssdn/leases/x', value: '{}' },
    ], []);
    expect(entry(plan.entries, 'othernet/subnets/192.168.1.11').reason).to.match(/outside the tree of network "k8ssdn"/);
    expect(entry(plan.entries, 'k8ssdn/leases/x').reason).to.match(/not a key of k8s-ovs/);
  });

  it('takes the network name from the v3 config when v2 has none', () => {
    const plan = planMigration([{ key: SUBNET_KEY, value: SUBNET }], [v3('config', CONFIG)]);
    expect(plan.network).to.equal('k8ssdn');
    expect(entry(plan.entries, SUBNET_KEY).action).to.equal('copy');
    const orphan = planMigration([{ key: SUBNET_KEY, value: SUBNET }], []);
    expect(entry(orphan.entries, SUBNET_KEY).reason).to.match(/no valid network config/);
  });

  it('lets --skip-invalid pass invalid keys but never conflicts', () => {
    const plan = planMigration([
      { key: 'config', value: CONFIG },
      { key: 'k8ssdn/netnamespaces/broken', value: 'nope' },
      { key: NS_KEY, value: NS },
    ], [v3(NS_KEY, NS.replace('3831805', '77'))]);
    expect(blockingEntries(plan, { skipInvalid: false }).map((e) => e.action)).to.have.members(['invalid', 'conflict']);
    expect(blockingEntries(plan, { skipInvalid: true }).map((e) => e.key)).to.deep.equal([NS_KEY]);
  });
});
