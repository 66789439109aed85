// The daemon's command line as the original k8s-ovs's unit, wrapper, README and sysconfig give it.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { configKeyOf } from '../../../../lib/cli/etcd-flags.js';
import { packageVersion } from '../../../../lib/sdn/daemon/heartbeat.js';
import { parseEnvironmentFile } from '../../../../lib/cli/environment-file.js';
import { parseDaemonFlags } from '../../../../lib/sdn/daemon/options.js';
import { OriginalFlagError } from '../../../../lib/sdn/daemon/original-flags.js';
import {
  ORIGINAL_EXEC_ARGS, expandExecArgs, originalSysconfig,
} from '../../../support/original-files.js';

const CLI = fileURLToPath(new URL('../../../../lib/sdn/daemon/cli.js', import.meta.url));

/** Runs the daemon's entry point the way a shell would; only for flags that exit before any work. */
function daemon(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, timeout: 20_000 });
}

/** The variables systemd's EnvironmentFile= reads from the file. */
const environmentOf = (text: string) => Object.fromEntries(parseEnvironmentFile(text));

describe('daemon command line of the original k8s-ovs', () => {
  const sysconfig = originalSysconfig({ etcdEndpoints: 'http://10.0.0.1:2379', hostname: 'Node-1' });

  it('starts from the original unit\'s ExecStart as systemd expands it from the original sysconfig', () => {
    const env = environmentOf(sysconfig);
    const argv = expandExecArgs(ORIGINAL_EXEC_ARGS, env);
    expect(argv).to.include('');
    const { flags, original } = parseDaemonFlags(argv, {});
    expect(flags).to.include({ 'etcd-endpoints': 'http://10.0.0.1:2379', 'etcd-prefix': '/k8s.ovs.com/ovs/network', hostname: 'node-1', 'log-level': 'debug' });
    expect(original.warning).to.equal(undefined);
  });

  it('reads the original sysconfig as it is, from the environment alone (this package\'s unit passes no arguments)', () => {
    const env = environmentOf(originalSysconfig({
      etcdEndpoints: 'http://10.0.0.1:2379', prefixExtra: '--network=prod', hostname: 'node-1',
      caCertKey: '--etcd-cafile=/etc/k8s-ovs/ca.pem --etcd-certfile=/etc/k8s-ovs/node.pem --etcd-keyfile=/etc/k8s-ovs/node-key.pem',
    }));
    const { flags, environment } = parseDaemonFlags([], env);
    expect(flags).to.include({
      'etcd-endpoints': 'http://10.0.0.1:2379', 'etcd-prefix': '/k8s.ovs.com/ovs/network', network: 'prod', hostname: 'node-1',
      'etcd-cafile': '/etc/k8s-ovs/ca.pem', 'etcd-certfile': '/etc/k8s-ovs/node.pem', 'etcd-keyfile': '/etc/k8s-ovs/node-key.pem',
    });
    expect(environment.unwrapped).to.have.members(['K8S_OVS_ETCD_ENDPOINTS', 'K8S_OVS_ETCD_PREFIX', 'K8S_OVS_ETCD_CA_CERT_KEY', 'HOSTNAME']);
    expect(configKeyOf(flags)).to.equal('prod/config');
    expect(configKeyOf(parseDaemonFlags([], {}).flags)).to.equal('config');
  });

  it('splits one argument holding several flags, as the original unit passes K8S_OVS_ETCD_CA_CERT_KEY', () => {
    const { flags } = parseDaemonFlags(['--etcd-cafile=/ca.pem --etcd-certfile=/node.pem --etcd-keyfile=/node-key.pem'], {});
    expect(flags).to.include({ 'etcd-cafile': '/ca.pem', 'etcd-certfile': '/node.pem', 'etcd-keyfile': '/node-key.pem' });
  });

  it('maps --v onto a log level, and --log-level wins with a warning', () => {
    const level = (argv: string[]) => parseDaemonFlags(argv, {}).flags['log-level'];
    expect(level([])).to.equal('info');
    expect(level(['--v=2'])).to.equal('info');
    expect(level(['--v', '4'])).to.equal('debug');
    expect(level(['--alsologtostderr', '--logtostderr=true', '--v=5'])).to.equal('debug');
    const both = parseDaemonFlags(['--v=5', '--log-level=warn'], {});
    expect(both.flags['log-level']).to.equal('warn');
    expect(both.original.warning?.flags).to.have.keys('--v');
    expect(() => parseDaemonFlags(['--v=-1'], {})).to.throw(OriginalFlagError, /--v: -1 is not a verbosity level/);
  });

  it('accepts the original\'s flags that mean nothing here, naming each in one warning', () => {
    const { original } = parseDaemonFlags(['--docker-endpoints=unix:///var/run/docker.sock', '--log_dir=/var/log/k8s-ovs',
      '--stderrthreshold=INFO', '--vmodule=node=5', '--log_backtrace_at=node.go:10'], {});
    expect(original.warning?.message).to.match(/no effect here/);
    expect(Object.keys(original.warning!.flags)).to.have.members(['--docker-endpoints', '--log_dir', '--stderrthreshold', '--vmodule', '--log_backtrace_at']);
    expect(original.warning!.flags['--docker-endpoints']).to.match(/CNI/);
  });

  it('uses the host name as the original did: trimmed and lower-cased, given or not', () => {
    expect(parseDaemonFlags(['--hostname', ' Node-1 '], {}).flags.hostname).to.equal('node-1');
    expect(parseDaemonFlags([], {}).flags.hostname).to.equal(os.hostname().trim().toLowerCase());
  });

  it('fails on an unknown flag with a short message, and prints its version', function () {
    this.timeout(20_000);
    const unknown = daemon(['--etcd-endpoint=http://10.0.0.1:2379']);
    expect(unknown.status).to.equal(1);
    expect(unknown.stderr).to.match(/^Unknown argument: etcd-endpoint\n/);
    expect(unknown.stderr).to.include('k8s-ovs --help lists every flag');
    expect(unknown.stderr).not.to.include('--metrics-address');
    const version = daemon(['--version']);
    expect(version.status).to.equal(0);
    expect(version.stdout.trim()).to.equal(packageVersion());
    const badNetwork = daemon(['--network=a/b']);
    expect(badNetwork.status).to.equal(1);
    expect(badNetwork.stderr).to.match(/--network: "a\/b" is not a network name/);
  });
});
