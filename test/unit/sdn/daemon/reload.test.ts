import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EtcdFlags } from '../../../../lib/cli/etcd-flags.js';
import { onCommandLine, reloadEtcdSettings } from '../../../../lib/sdn/daemon/reload.js';
import { recordingLogger } from '../../k8s/recorder.js';

describe('daemon reload (SIGHUP): etcd endpoints from the environment file', () => {
  let dir: string;
  let file: string;
  const running: EtcdFlags = { 'etcd-endpoints': 'https://10.0.0.1:2379,https://10.0.0.2:2379,https://10.0.0.3:2379',
    'etcd-prefix': '/k8s.ovs.com/ovs/network', 'etcd-cafile': '/etc/k8s-ovs/ca.crt' };

  const fakeStore = () => {
    const store = { endpoints: running['etcd-endpoints'].split(',') as readonly string[], calls: [] as string[][],
      async setEndpoints(endpoints: readonly string[]) { store.calls.push([...endpoints]); store.endpoints = endpoints; } };
    return store;
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'k8s-ovs-reload-'));
    file = path.join(dir, 'k8s-ovs');
  });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('applies a changed endpoint list, in the original\'s --flag=value style too', async () => {
    await writeFile(file, 'K8S_OVS_ETCD_CAFILE=/etc/k8s-ovs/ca.crt\n'
      + 'K8S_OVS_ETCD_ENDPOINTS="--etcd-endpoints=https://10.0.0.1:2379,https://10.0.0.2:2379,https://10.0.0.4:2379"\n');
    const store = fakeStore();
    const { logger, lines } = recordingLogger();
    await reloadEtcdSettings({ file, argv: [], running, store, log: logger });
    expect(store.calls).to.deep.equal([['https://10.0.0.1:2379', 'https://10.0.0.2:2379', 'https://10.0.0.4:2379']]);
    expect(lines.filter((l) => l.level === 'warn')).to.deep.equal([]);
  });

  it('leaves unchanged endpoints alone and names other changed etcd settings as needing a restart', async () => {
    await writeFile(file, `K8S_OVS_ETCD_ENDPOINTS=${running['etcd-endpoints']}\nK8S_OVS_ETCD_CAFILE=/etc/k8s-ovs/new-ca.crt\n`);
    const store = fakeStore();
    const { logger, lines } = recordingLogger();
    await reloadEtcdSettings({ file, argv: [], running, store, log: logger });
    expect(store.calls).to.deep.equal([]);
    expect(lines.find((l) => l.level === 'warn')).to.include({ flag: '--etcd-cafile', hint: 'systemctl restart k8s-ovs' });
  });

  it('keeps --etcd-endpoints from the command line, which wins over the file as it did at start', async () => {
    await writeFile(file, 'K8S_OVS_ETCD_ENDPOINTS=https://10.0.0.9:2379\nK8S_OVS_ETCD_CAFILE=/etc/k8s-ovs/ca.crt\n');
    const store = fakeStore();
    const { logger, lines } = recordingLogger();
    await reloadEtcdSettings({ file, argv: ['--etcd-endpoints=https://10.0.0.1:2379'], running, store, log: logger });
    expect(store.calls).to.deep.equal([]);
    expect(lines.some((l) => /command line/.test(l.message))).to.equal(true);
  });

  it('runs on with the settings in use when the file is missing or sets one flag twice', async () => {
    const store = fakeStore();
    const { logger, lines } = recordingLogger();
    await reloadEtcdSettings({ file: path.join(dir, 'absent'), argv: [], running, store, log: logger });
    await writeFile(file, 'K8S_OVS_ETCD_ENDPOINTS=https://10.0.0.9:2379\nK8S_OVS_OPTS=--etcd-endpoints=https://10.0.0.8:2379\n');
    await reloadEtcdSettings({ file, argv: [], running, store, log: logger });
    expect(store.calls).to.deep.equal([]);
    expect(lines.filter((l) => l.level === 'error')).to.have.length(2);
  });

  it('recognises a flag on the command line in every spelling yargs accepts', () => {
    expect(onCommandLine(['--etcd-endpoints', 'x'], 'etcd-endpoints')).to.equal(true);
    expect(onCommandLine(['--etcdEndpoints=x'], 'etcd-endpoints')).to.equal(true);
    expect(onCommandLine(['--etcd-endpoints-file=x', '--hostname=n1'], 'etcd-endpoints')).to.equal(false);
  });
});
