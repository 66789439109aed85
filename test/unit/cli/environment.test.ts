import { expect } from 'chai';
import yargs from 'yargs';
import { EnvironmentError, prepareEnvironment, readEnvironmentFlags } from '../../../lib/cli/environment.js';

const FLAGS = ['etcd-endpoints', 'etcd-cafile', 'hostname'];
const parser = () => yargs([]).option('etcd-endpoints', { type: 'string' }).option('etcd-cafile', { type: 'string' }).option('hostname', { type: 'string' });

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
    expect(readEnvironmentFlags({ K8S_OVS_X: '--no-such-flag=1' }, FLAGS).ignored).to.deep.equal(['K8S_OVS_X']);
    expect(() => readEnvironmentFlags({ K8S_OVS_ETCD_ENDPOINTS: 'http://a:2379', K8S_OVS_EP: '--etcd-endpoints=http://b:2379' }, FLAGS))
      .to.throw(EnvironmentError, /K8S_OVS_ETCD_ENDPOINTS and K8S_OVS_EP both set --etcd-endpoints/);
  });

  it('leaves yargs exactly one variable per flag found, so strict parsing accepts the environment', () => {
    const env: NodeJS.ProcessEnv = { K8S_OVS_OPTS: '--foo', K8S_OVS_ETCD_CA_CERT_KEY: '--etcd-cafile=/ca.pem', PATH: '/bin' };
    prepareEnvironment(parser(), env);
    expect(env).to.deep.equal({ K8S_OVS_ETCD_CAFILE: '/ca.pem', PATH: '/bin' });
  });
});
