import { expect } from 'chai';
import { parseEnvironmentFile } from '../../../lib/cli/environment-file.js';

describe('environment file (systemd EnvironmentFile=)', () => {
  it('reads KEY=value lines, skipping comments and blank lines', () => {
    const text = '# etcd\n; old style comment\n\nK8S_OVS_ETCD_ENDPOINTS=https://10.0.0.1:2379,https://10.0.0.2:2379\n  K8S_OVS_LOG_LEVEL = debug \n';
    expect([...parseEnvironmentFile(text)]).to.deep.equal([
      ['K8S_OVS_ETCD_ENDPOINTS', 'https://10.0.0.1:2379,https://10.0.0.2:2379'], ['K8S_OVS_LOG_LEVEL', 'debug']]);
  });

  it('drops quotes as systemd does, keeps the original k8s-ovs\'s --flag=value values whole, and joins continued lines', () => {
    const text = 'A="--etcd-endpoints=http://10.0.0.1:2379"\nB=\'single quoted\'\nC="say \\"hi\\""\nD=one \\\ntwo\n';
    expect(Object.fromEntries(parseEnvironmentFile(text))).to.deep.equal({
      A: '--etcd-endpoints=http://10.0.0.1:2379', B: 'single quoted', C: 'say "hi"', D: 'one two' });
  });

  it('ignores lines that are not assignments', () => {
    expect([...parseEnvironmentFile('export\n=value\n1ABC=x\n')]).to.deep.equal([]);
  });
});
