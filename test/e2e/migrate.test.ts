// Migrating the original k8s-ovs tree from etcd v2 to v3, against a real etcd 3.4 serving both APIs.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import yargs from 'yargs';
import { migrateCommand } from '../../lib/adm/migrate-command.js';
import { EtcdStore } from '../../lib/etcd/store.js';
import { applyPlan } from '../../lib/migrate/apply.js';
import { MigrationRaceError, MigrationTooLargeError, V2AccessError } from '../../lib/migrate/errors.js';
import { v2ConfigHint } from '../../lib/migrate/hint.js';
import { planMigration } from '../../lib/migrate/plan.js';
import { type MigrateOptions, type MigrateReport, runMigrate } from '../../lib/migrate/run.js';
import { V2Reader } from '../../lib/migrate/v2-reader.js';
import { Cidr } from '../../lib/net/ipv4.js';
import { parseNetworkConfig } from '../../lib/sdn/config.js';
import { DEFAULT_PREFIX, keyLeaf, networkKeys } from '../../lib/sdn/layout.js';
import { Master } from '../../lib/sdn/master/master.js';
import { parseHostSubnet, parseNetNamespace } from '../../lib/sdn/records.js';
import { EtcdServer } from '../support/etcd.js';

const run = promisify(execFile);
const ETCDCTL = process.env.ETCDCTL_BINARY ?? '/usr/bin/etcdctl';

const CONFIG_JSON = '{"Name":"k8ssdn","Network":"10.128.0.0/14","HostSubnetLength":9,' +
  '"ServiceNetwork":"172.30.0.0/16","PluginName":"k8s-ovs-multitenant"}';
const KEYS = networkKeys('k8ssdn');

/**
 * What the original k8s-ovs and its admin guide leave in etcd v2: subnets it assigned, one Assign request, joined and
 * global namespaces.
 */
const TREE: Record<string, string> = {
  config: CONFIG_JSON,
  'k8ssdn/subnets/192.168.1.11': '{"Host":"node1","HostIP":"192.168.1.11","Subnet":"10.128.0.0/23","Assign":false}',
  'k8ssdn/subnets/192.168.1.12': '{"Host":"node2","HostIP":"192.168.1.12","Subnet":"10.128.2.0/23","Assign":false}',
  'k8ssdn/subnets/192.168.1.99': '{"Host":"lb1","HostIP":"192.168.1.99","Subnet":"","Assign":true}',
  'k8ssdn/netnamespaces/helloworld1': '{"NetName":"helloworld1","NetID":3831805,"Action":"","Namespace":""}',
  'k8ssdn/netnamespaces/helloworld2': '{"NetName":"helloworld2","NetID":3831805,"Action":"","Namespace":""}',
  'k8ssdn/netnamespaces/helloworld3': '{"NetName":"helloworld3","NetID":0,"Action":"","Namespace":""}',
  'k8ssdn/netnamespaces/helloworld4': '{"NetName":"helloworld4","NetID":12800140,"Action":"","Namespace":""}',
};

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('migrating the original k8s-ovs tree from etcd v2 to v3', function () {
  this.timeout(60_000);
  const servers: EtcdServer[] = [];
  const stores: EtcdStore[] = [];
  const masters: Master[] = [];
  let etcd: EtcdServer;

  before(async () => {
    etcd = await EtcdServer.start({ enableV2: true });
    servers.push(etcd);
  });

  after(async () => {
    for (const master of masters) await master.stop().catch(() => undefined);
    for (const store of stores) await store.close();
    for (const server of servers) await server.remove();
  });

  /** `ETCDCTL_API=2 etcdctl --endpoints … <args>`, as the original admin guide runs it. */
  async function etcdctlV2(server: EtcdServer, ...args: string[]): Promise<string> {
    const { stdout } = await run(ETCDCTL, ['--endpoints', server.endpoint, ...args], {
      env: { ...process.env, ETCDCTL_API: '2' },
    });
    return stdout;
  }

  async function writeV2(prefix: string, tree: Record<string, string>, server = etcd, ...auth: string[]): Promise<void> {
    for (const [key, value] of Object.entries(tree)) await etcdctlV2(server, ...auth, 'set', `${prefix}/${key}`, value);
  }

  async function v3(prefix: string): Promise<EtcdStore> {
    const store = await EtcdStore.connect({ endpoints: [etcd.endpoint], prefix });
    stores.push(store);
    return store;
  }

  async function v3Values(prefix: string): Promise<Record<string, string>> {
    const listing = await (await v3(prefix)).list('');
    return Object.fromEntries(listing.items.map((kv) => [kv.key, kv.value]));
  }

  function options(prefix: string, extra: Partial<MigrateOptions> = {}): MigrateOptions {
    return { source: { endpoints: [etcd.endpoint] }, target: { endpoints: [etcd.endpoint], prefix }, ...extra };
  }

  async function migrate(prefix: string, extra: Partial<MigrateOptions> = {}): Promise<{ report: MigrateReport; lines: string[] }> {
    const lines: string[] = [];
    const report = await runMigrate(options(prefix, extra), (line) => lines.push(line));
    return { report, lines };
  }

  describe('a tree written as the admin guide does', () => {
    before(async () => {
      await writeV2(DEFAULT_PREFIX, TREE);
    });

    it('points a daemon that finds no v3 config at the migrate command', async () => {
      expect(await v2ConfigHint({ endpoints: [etcd.endpoint], prefix: DEFAULT_PREFIX })).to.equal(
        `k8s-ovs-adm migrate --from-v2=${etcd.endpoint} --etcd-endpoints=${etcd.endpoint} --etcd-prefix=${DEFAULT_PREFIX}`);
      expect(await v2ConfigHint({ endpoints: [etcd.endpoint], prefix: '/k8s.ovs.com/elsewhere' })).to.equal(undefined);
    });

    it('prints the plan on a dry run and writes nothing', async () => {
      const { report, lines } = await migrate(DEFAULT_PREFIX, { dryRun: true });
      expect(report.outcome).to.equal('planned');
      expect(lines).to.deep.equal([
        'KEY                                                        VALUE                                             PLAN  REASON',
        '/k8s.ovs.com/ovs/network/config                            {"Name":"k8ssdn","Network":"10.128.0.0/14","Hos…  copy  absent in v3',
        '/k8s.ovs.com/ovs/network/k8ssdn/netnamespaces/helloworld1  {"NetName":"helloworld1","NetID":3831805,"Actio…  copy  absent in v3',
        '/k8s.ovs.com/ovs/network/k8ssdn/netnamespaces/helloworld2  {"NetName":"helloworld2","NetID":3831805,"Actio…  copy  absent in v3',
        '/k8s.ovs.com/ovs/network/k8ssdn/netnamespaces/helloworld3  {"NetName":"helloworld3","NetID":0,"Action":"",…  copy  absent in v3',
        '/k8s.ovs.com/ovs/network/k8ssdn/netnamespaces/helloworld4  {"NetName":"helloworld4","NetID":12800140,"Acti…  copy  absent in v3',
        '/k8s.ovs.com/ovs/network/k8ssdn/subnets/192.168.1.11       {"Host":"node1","HostIP":"192.168.1.11","Subnet…  copy  absent in v3',
        '/k8s.ovs.com/ovs/network/k8ssdn/subnets/192.168.1.12       {"Host":"node2","HostIP":"192.168.1.12","Subnet…  copy  absent in v3',
        '/k8s.ovs.com/ovs/network/k8ssdn/subnets/192.168.1.99       {"Host":"lb1","HostIP":"192.168.1.99","Subnet":…  copy  absent in v3',
        'dry run: would copy 8 keys (0 already identical); nothing written',
      ]);
      expect(await v3Values(DEFAULT_PREFIX)).to.deep.equal({});
    });

    it('copies every key in one transaction, each v3 value equal to its v2 value', async () => {
      const { report, lines } = await migrate(DEFAULT_PREFIX);
      expect(report.outcome).to.equal('migrated');
      expect(lines.at(-1)).to.match(/^migrated 8 keys to etcd v3 in one transaction at revision \d+ \(0 already identical\)$/);
      expect(await v3Values(DEFAULT_PREFIX)).to.deep.equal(TREE);
      for (const [key, value] of Object.entries(TREE)) {
        expect((await etcdctlV2(etcd, 'get', `${DEFAULT_PREFIX}/${key}`)).trim(), key).to.equal(value);
      }
      const revisions = new Set((await (await v3(DEFAULT_PREFIX)).list('')).items.map((kv) => kv.modRevision));
      expect(revisions.size, 'all keys written by the same transaction').to.equal(1);
    });

    it('says there is nothing to migrate on a second run, and writes nothing', async () => {
      const store = await v3(DEFAULT_PREFIX);
      const before = (await store.list('')).revision;
      const { report, lines } = await migrate(DEFAULT_PREFIX);
      expect(report.outcome).to.equal('up-to-date');
      expect(lines.slice(1, -1).every((line) => / identical {2}v3 holds the same value$/.test(line))).to.equal(true);
      expect(lines.at(-1)).to.equal('nothing to migrate: all 8 keys are identical');
      expect((await store.list('')).revision).to.equal(before);
    });

    it('lets a master keep every subnet and VNID and assign the pending Assign request', async () => {
      const store = await v3(DEFAULT_PREFIX);
      const master = new Master(store, parseNetworkConfig(CONFIG_JSON), { identity: 'migrated-master' });
      masters.push(master);
      master.start();
      await eventually('the master leading', async () => (master.leading ? true : undefined));
      await master.whenLoaded();

      const assigned = await eventually('the Assign request served', async () => {
        const kv = await store.get(KEYS.subnet('192.168.1.99'));
        const record = parseHostSubnet(kv!.key, kv!.value);
        return record.assign ? undefined : record;
      });
      expect(assigned.host).to.equal('lb1');
      const taken = ['10.128.0.0/23', '10.128.2.0/23'];
      expect(assigned.subnet!.toString(), 'the Assign request got a migrated node\'s subnet').to.not.be.oneOf(taken);
      expect(Cidr.parse('10.128.0.0/14').contains(assigned.subnet!.network)).to.equal(true);
      expect(assigned.subnet!.prefixLength).to.equal(23);

      expect((await master.ensureNodeSubnet('node1', '192.168.1.11')).subnet!.toString()).to.equal('10.128.0.0/23');
      expect((await master.ensureNodeSubnet('node2', '192.168.1.12')).subnet!.toString()).to.equal('10.128.2.0/23');
      for (const hostIp of ['192.168.1.11', '192.168.1.12']) {
        expect((await store.get(KEYS.subnet(hostIp)))!.value, hostIp).to.equal(TREE[KEYS.subnet(hostIp)]);
      }
      const vnids = { helloworld1: 3831805, helloworld2: 3831805, helloworld3: 0, helloworld4: 12800140 };
      for (const [namespace, vnid] of Object.entries(vnids)) {
        expect((await master.ensureNamespace(namespace))!.netId, namespace).to.equal(vnid);
        const kv = (await store.get(KEYS.netNamespace(namespace)))!;
        expect(parseNetNamespace(kv.key, kv.value).netId, namespace).to.equal(vnid);
      }
      const fresh = (await master.ensureNamespace('helloworld5'))!.netId;
      expect(fresh).to.not.be.oneOf([0, 3831805, 12800140]);

      // The master took the migrated records over: one claim per subnet and per VNID in use.
      const subnetClaims = (await store.list(KEYS.subnetClaims)).items.map((kv) => keyLeaf(kv.key, KEYS.subnetClaims));
      expect(subnetClaims).to.have.members([...taken, assigned.subnet!.toString()]);
      const netIdClaims = (await store.list(KEYS.netIdClaims)).items.map((kv) => Number(keyLeaf(kv.key, KEYS.netIdClaims)));
      expect(netIdClaims).to.have.members([3831805, 12800140, fresh]);
      await master.stop();
    });
  });

  it('writes nothing and names the key when v3 already holds a different record, exiting non-zero', async () => {
    const prefix = '/k8s.ovs.com/conflict/network';
    await writeV2(prefix, TREE);
    const existing = '{"NetName":"helloworld4","NetID":6693608,"Action":"","Namespace":""}';
    await (await v3(prefix)).put('k8ssdn/netnamespaces/helloworld4', existing);

    const { stdout, exitCode } = await runCommand(['migrate', `--from-v2=${etcd.endpoint}`,
      `--etcd-endpoints=${etcd.endpoint}`, `--etcd-prefix=${prefix}`]);
    expect(exitCode).to.equal(1);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.find((line) => line.includes('helloworld4'))).to.match(
      /helloworld4 +\{.*… {2}conflict {2}v3 has NetID 6693608 \(v2: 12800140\)$/);
    expect(lines.at(-1)).to.equal(`nothing written: 1 conflict (${prefix}/k8ssdn/netnamespaces/helloworld4): ` +
      'v3 already holds a different record; make the v3 key equal to the v2 one or delete it, then run again');
    expect(await v3Values(prefix)).to.deep.equal({ 'k8ssdn/netnamespaces/helloworld4': existing });
  });

  it('reports garbage JSON as invalid with the reason, and copies the rest with --skip-invalid', async () => {
    const prefix = '/k8s.ovs.com/invalid/network';
    const garbage = '{"NetName":"broken","NetID":42,';
    await writeV2(prefix, { ...TREE, 'k8ssdn/netnamespaces/broken': garbage });

    const refused = await migrate(prefix);
    expect(refused.report.outcome).to.equal('refused');
    expect(refused.lines.find((line) => line.includes('/broken '))).to.match(
      /\/k8ssdn\/netnamespaces\/broken +\{"NetName":"broken","NetID":42, +invalid {2}not valid JSON: /);
    expect(refused.lines.at(-1)).to.equal(`nothing written: 1 invalid key (${prefix}/k8ssdn/netnamespaces/broken): ` +
      'fix it in v2, or pass --skip-invalid to leave it behind');
    expect(await v3Values(prefix)).to.deep.equal({});

    const skipped = await migrate(prefix, { skipInvalid: true });
    expect(skipped.report.outcome).to.equal('migrated');
    expect(skipped.lines.at(-1)).to.match(/^migrated 8 keys .* \(0 already identical, 1 invalid key left behind\)$/);
    expect(await v3Values(prefix)).to.deep.equal(TREE);
  });

  it('fails as a whole when a planned key appears in v3 before the write', async () => {
    const prefix = '/k8s.ovs.com/race/network';
    await writeV2(prefix, TREE);
    const store = await v3(prefix);
    const reader = await V2Reader.open({ endpoints: [etcd.endpoint] });
    const plan = planMigration(await reader.readTree(prefix), (await store.list('')).items);
    await store.put('k8ssdn/subnets/192.168.1.99', TREE['k8ssdn/subnets/192.168.1.11']!.replace(/1\.11/g, '1.99'));

    const error = await applyPlan(store, plan).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(MigrationRaceError);
    expect((error as MigrationRaceError).keys).to.deep.equal(['k8ssdn/subnets/192.168.1.99']);
    expect(Object.keys(await v3Values(prefix))).to.deep.equal(['k8ssdn/subnets/192.168.1.99']);
  });

  it('writes nothing and names etcd --max-txn-ops when the tree needs more operations than etcd allows', async () => {
    const prefix = '/k8s.ovs.com/large/network';
    await writeV2(prefix, { config: CONFIG_JSON });
    // 130 namespaces through the v2 HTTP API directly: spawning etcdctl for each would be slow.
    for (let i = 0; i < 130; i++) {
      const name = `ns-${i}`;
      const response = await fetch(`${etcd.endpoint}/v2/keys${prefix}/k8ssdn/netnamespaces/${name}`, {
        method: 'PUT', body: new URLSearchParams({ value: JSON.stringify({ NetName: name, NetID: 100 + i, Action: '', Namespace: '' }) }),
      });
      expect(response.ok).to.equal(true);
    }
    const error = await migrate(prefix).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(MigrationTooLargeError);
    expect((error as Error).message).to.include('--max-txn-ops=131');
    expect(await v3Values(prefix)).to.deep.equal({});
  });

  it('reads a v2 tree behind basic auth with --v2-username and --v2-password', async () => {
    const secured = await EtcdServer.start({ enableV2: true });
    servers.push(secured);
    await etcdctlV2(secured, 'user', 'add', 'root:secret');
    await etcdctlV2(secured, 'auth', 'enable');
    // v2 lets the guest role read and write everything until it is revoked.
    await etcdctlV2(secured, '-u', 'root:secret', 'role', 'revoke', 'guest', '--path', '/*', '--readwrite');
    await writeV2(DEFAULT_PREFIX, TREE, secured, '-u', 'root:secret');
    const target = { endpoints: [secured.endpoint], prefix: DEFAULT_PREFIX };

    const anonymous = await runMigrate({ source: { endpoints: [secured.endpoint] }, target }, () => undefined)
      .catch((caught: unknown) => caught);
    expect(anonymous).to.be.instanceOf(V2AccessError);
    const lines: string[] = [];
    const report = await runMigrate({
      source: { endpoints: [secured.endpoint], username: 'root', password: 'secret' }, target,
    }, (line) => lines.push(line));
    expect(report.outcome).to.equal('migrated');
    expect(report.written).to.equal(8);
  });
});

/** Runs `k8s-ovs-adm <args>` through the command module as the admin CLI would, capturing stdout and the exit code. */
async function runCommand(args: string[]): Promise<{ stdout: string; exitCode: number | string | undefined }> {
  const write = process.stdout.write.bind(process.stdout);
  const previousExitCode = process.exitCode;
  let stdout = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  try {
    await yargs().command(migrateCommand).strict().fail(false).parseAsync(args);
  } finally {
    process.stdout.write = write;
  }
  const exitCode = process.exitCode;
  process.exitCode = previousExitCode;
  return { stdout, exitCode };
}
