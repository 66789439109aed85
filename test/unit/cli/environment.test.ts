import { expect } from 'chai';
import yargs from 'yargs';
import { EnvironmentError, declaredFlags, readEnvironmentFlags, unwrapFlags } from '../../../lib/cli/environment.js';

const FLAGS = ['etcd-endpoints', 'etcd-cafile', 'etcd-certfile', 'etcd-keyfile', 'etcd-prefix', 'network', 'hostname', 'alsologtostderr'];

describe('K8S_OVS_* environment', () => {
  it('reads a variable named after a flag as that flag, and ignores names that set no flag', () => {
    const found = readEnvironmentFlags({ K8S_OVS_HOSTNAME: 'n1', K8S_OVS_OPTS: 'whatever', PATH: '/bin' }, FLAGS);
    expect(Object.fromEntries(found.values)).to.deep.equal({ hostname: 'n1' });
    expect(found.ignored).to.deep.equal(['K8S_OVS_OPTS']);
  });

  it('reads the original k8s-ovs sysconfig, whose values are whole flags under names of its own', () => {
    const found = readEnvironmentFlags({
      K8S_OVS_ETCD_ENDPOINTS: '--etcd-endpoints=http://10.0.0.1:2379',
      K8S_OVS_ETCD_CA_CERT_KEY: '--etcd-cafile=/etc/k8s-ovs/ca.pem',
      K8S_OVS_HOSTNAME: '--hostname node-1',
    }, FLAGS);
    expect(Object.fromEntries(found.values)).to.deep.equal({
      'etcd-endpoints': 'http://10.0.0.1:2379', 'etcd-cafile': '/etc/k8s-ovs/ca.pem', hostname: 'node-1',
    });
    expect(found.unwrapped).to.have.members(['K8S_OVS_ETCD_ENDPOINTS', 'K8S_OVS_ETCD_CA_CERT_KEY', 'K8S_OVS_HOSTNAME']);
  });

  it('ignores a wrapped flag this daemon does not have, and refuses two different values for one flag', () => {
    expect(readEnvironmentFlags({ K8S_OVS_X: '--no-such-flag=1' }, FLAGS).ignored).to.deep.equal(['K8S_OVS_X (--no-such-flag)']);
    expect(() => readEnvironmentFlags({ K8S_OVS_ETCD_ENDPOINTS: 'http://a:2379', K8S_OVS_EP: '--etcd-endpoints=http://b:2379' }, FLAGS))
      .to.throw(EnvironmentError, /K8S_OVS_ETCD_ENDPOINTS and K8S_OVS_EP both set --etcd-endpoints/);
  });

  it('reads a value holding several flags, as the original\'s K8S_OVS_ETCD_CA_CERT_KEY does', () => {
    const found = readEnvironmentFlags({
      K8S_OVS_ETCD_CA_CERT_KEY: '--etcd-cafile=/etc/k8s-ovs/ca.pem --etcd-certfile=/etc/k8s-ovs/node.pem  --etcd-keyfile /etc/k8s-ovs/node-key.pem',
      K8S_OVS_ETCD_PREFIX: '--etcd-prefix=/k8s.ovs.com/ovs/network --network=prod --alsologtostderr',
    }, FLAGS);
    expect(Object.fromEntries(found.values)).to.deep.equal({
      'etcd-cafile': '/etc/k8s-ovs/ca.pem', 'etcd-certfile': '/etc/k8s-ovs/node.pem', 'etcd-keyfile': '/etc/k8s-ovs/node-key.pem',
      'etcd-prefix': '/k8s.ovs.com/ovs/network', network: 'prod', alsologtostderr: 'true',
    });
    expect(found.ignored).to.deep.equal([]);
    const partly = readEnvironmentFlags({ K8S_OVS_ETCD_CA_CERT_KEY: '--etcd-cafile=/ca.pem --etcd-crlfile=/crl.pem' }, FLAGS);
    expect(Object.fromEntries(partly.values)).to.deep.equal({ 'etcd-cafile': '/ca.pem' });
    expect(partly.ignored).to.deep.equal(['K8S_OVS_ETCD_CA_CERT_KEY (--etcd-crlfile)']);
  });

  it('reads the original\'s HOSTNAME="--hostname=..." and leaves a plain or empty HOSTNAME alone', () => {
    expect(Object.fromEntries(readEnvironmentFlags({ HOSTNAME: '--hostname=node-1' }, FLAGS).values)).to.deep.equal({ hostname: 'node-1' });
    for (const value of ['', 'build-host-7']) {
      const found = readEnvironmentFlags({ HOSTNAME: value }, FLAGS);
      expect(found.values.size, value).to.equal(0);
      expect(found.ignored, value).to.deep.equal([]);
    }
  });

  it('splits values of the original\'s form only: whole words starting with --', () => {
    expect(unwrapFlags('--a=1 --b 2 --c')).to.deep.equal([['a', '1'], ['b', '2'], ['c', 'true']]);
    expect(unwrapFlags('http://10.0.0.1:2379')).to.equal(undefined);
    expect(unwrapFlags('--a=1 stray --b=2 extra')).to.equal(undefined);
  });

  it('lists the flags a parser declares, to read variables against', () => {
    const parser = yargs([]).option('etcd-endpoints', { type: 'string' }).option('hostname', { type: 'string' });
    expect(declaredFlags(parser)).to.include.members(['etcd-endpoints', 'hostname']);
  });
});
