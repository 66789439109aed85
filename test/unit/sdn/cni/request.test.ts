// Parsing of wire requests, CNI_ARGS and prevResult into typed operations, and the error codes chosen.
import { expect } from 'chai';
import { parseCniArgs } from '../../../../lib/sdn/cni/cni-args.js';
import { CniError } from '../../../../lib/sdn/cni/errors.js';
import { parseWireRequest, requestVersion } from '../../../../lib/sdn/cni/request.js';
import { parsePrevResult, renderResult } from '../../../../lib/sdn/cni/result.js';
import type { PodAttachment } from '../../../../lib/sdn/cni/types.js';
import { parseIpv4 } from '../../../../lib/net/ipv4.js';

function wire(env: Record<string, string>, config: unknown): string {
  return JSON.stringify({ env, config: typeof config === 'string' ? config : JSON.stringify(config) });
}

const base = { cniVersion: '1.0.0', name: 'k8s-ovs', type: 'k8s-ovs' };
const addEnv = {
  CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'abc', CNI_NETNS: '/run/netns/x', CNI_IFNAME: 'eth0',
  CNI_ARGS: 'K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p',
};

function codeOf(body: string): number {
  try {
    parseWireRequest(body);
  } catch (err) {
    expect(err).to.be.instanceOf(CniError);
    return (err as CniError).code;
  }
  return expect.fail('request was accepted');
}

describe('CNI request parsing', function () {
  it('turns an ADD into a pod request', function () {
    const op = parseWireRequest(wire(addEnv, base));
    expect(op.command).to.equal('ADD');
    if (op.command !== 'ADD') return;
    expect(op.request).to.deep.include({ containerId: 'abc', ifname: 'eth0', netns: '/run/netns/x', bandwidth: {} });
    expect(op.request.pod).to.deep.equal({ namespace: 'ns', name: 'p' });
    expect(op.request.config).to.deep.include({ cniVersion: '1.0.0', name: 'k8s-ovs', type: 'k8s-ovs' });
  });

  const codes: Array<[string, string, number]> = [
    ['a body that is not JSON', '{', 6],
    ['a config that is not JSON', JSON.stringify({ env: addEnv, config: 'nope' }), 6],
    ['a config that is a list', wire(addEnv, []), 6],
    ['no config text', JSON.stringify({ env: addEnv }), 6],
    ['an unsupported version', wire(addEnv, { ...base, cniVersion: '2.0.0' }), 1],
    ['a numeric version', wire(addEnv, { ...base, cniVersion: 1 }), 1],
    ['a missing type', wire(addEnv, { cniVersion: '1.0.0', name: 'n' }), 7],
    ['VERSION (the plugin answers it)', wire({ CNI_COMMAND: 'VERSION' }, base), 4],
    ['a non-string env value', JSON.stringify({ env: { ...addEnv, CNI_IFNAME: 5 }, config: JSON.stringify(base) }), 4],
    ['an ifname of 16 bytes', wire({ ...addEnv, CNI_IFNAME: 'a'.repeat(16) }, base), 4],
    ['an ifname of ".."', wire({ ...addEnv, CNI_IFNAME: '..' }, base), 4],
    ['a runtimeConfig that is not an object', wire(addEnv, { ...base, runtimeConfig: 7 }), 7],
    ['a GC entry without ifname', wire({ CNI_COMMAND: 'GC' },
      { ...base, cniVersion: '1.1.0', 'cni.dev/valid-attachments': [{ containerID: 'a' }] }), 7],
  ];
  for (const [name, body, code] of codes) {
    it(`rejects ${name} with code ${code}`, function () {
      expect(codeOf(body)).to.equal(code);
    });
  }

  it('reads the GC list from cni.dev/attachments when only that name is sent', function () {
    const op = parseWireRequest(wire({ CNI_COMMAND: 'GC' },
      { ...base, cniVersion: '1.1.0', 'cni.dev/attachments': [{ containerID: 'a', ifname: 'eth0' }] }));
    expect(op).to.deep.include({ command: 'GC', valid: [{ containerId: 'a', ifname: 'eth0' }] });
  });

  it('uses the request version for error objects only when it is supported', function () {
    expect(requestVersion(wire(addEnv, { ...base, cniVersion: '0.3.1' }))).to.equal('0.3.1');
    expect(requestVersion(wire(addEnv, { ...base, cniVersion: '9.9.9' }))).to.equal('1.1.0');
    expect(requestVersion('garbage')).to.equal('1.1.0');
  });
});

describe('CNI_ARGS', function () {
  it('reads the pod reference and ignores unknown keys with IgnoreUnknown', function () {
    expect(parseCniArgs('IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;K8S_POD_INFRA_CONTAINER_ID=i;'
      + 'K8S_POD_UID=u;X=y')).to.deep.equal({ pod: { namespace: 'ns', name: 'p', infraContainerId: 'i', uid: 'u' } });
  });

  it('has no pod when neither name is given', function () {
    expect(parseCniArgs(undefined)).to.deep.equal({});
    expect(parseCniArgs('IgnoreUnknown=true')).to.deep.equal({});
  });

  const bad: Array<[string, RegExp]> = [
    ['K8S_POD_NAMESPACE', /KEY=VALUE/],
    ['=x', /KEY=VALUE/],
    ['FOO=1', /unknown key\(s\) FOO/],
    ['IgnoreUnknown=maybe', /IgnoreUnknown="maybe"/],
    ['K8S_POD_NAME=p', /half a pod/],
  ];
  for (const [text, message] of bad) {
    it(`rejects "${text}" as an invalid environment (4)`, function () {
      expect(() => parseCniArgs(text)).to.throw(CniError, message).with.property('code', 4);
    });
  }
});

describe('CNI results', function () {
  const attachment: PodAttachment = {
    podInterface: { name: 'eth0', mac: '0a:58:0a:80:00:09', sandbox: '/run/netns/x' },
    ip: parseIpv4('10.128.0.9'), prefixLength: 23, gateway: parseIpv4('10.128.0.1'), routes: [],
  };

  it('points ips[].interface at the pod interface when there is no host interface', function () {
    expect(renderResult(attachment, '1.0.0').ips).to.deep.equal(
      [{ address: '10.128.0.9/23', gateway: '10.128.0.1', interface: 0 }]);
  });

  it('renders the original k8s-ovs\'s 0.1.0 and 0.2.0 as their ip4 results', function () {
    const routed = { ...attachment, routes: [{ dst: '0.0.0.0/0', gw: parseIpv4('10.128.0.1') }, { dst: '10.128.0.0/14' }] };
    for (const version of ['0.1.0', '0.2.0'] as const) {
      expect(renderResult(routed, version)).to.deep.equal({ cniVersion: version, dns: {}, ip4: {
        ip: '10.128.0.9/23', gateway: '10.128.0.1', routes: [{ dst: '0.0.0.0/0', gw: '10.128.0.1' }, { dst: '10.128.0.0/14' }] } });
    }
  });

  it('reads back what it renders, in every version that has prevResult', function () {
    for (const version of ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const) {
      expect(parsePrevResult(renderResult(attachment, version))).to.deep.equal(attachment);
    }
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['no sandbox interface', { interfaces: [{ name: 'veth' }], ips: [] }, /no interface with a sandbox/],
    ['no IPv4 on it', { interfaces: [{ name: 'eth0', sandbox: '/x' }], ips: [{ address: 'fd00::1/64', interface: 0 }] },
      /no IPv4 address/],
    ['a bad gateway', { interfaces: [{ name: 'eth0', sandbox: '/x' }],
      ips: [{ address: '10.0.0.2/24', gateway: '10.0.0', interface: 0 }] }, /gateway/],
    ['a prefix of 33', { interfaces: [{ name: 'eth0', sandbox: '/x' }],
      ips: [{ address: '10.0.0.2/33', gateway: '10.0.0.1' }] }, /address\/prefix/],
  ];
  for (const [name, prev, message] of bad) {
    it(`rejects a prevResult with ${name} (7)`, function () {
      expect(() => parsePrevResult(prev)).to.throw(CniError, message).with.property('code', 7);
    });
  }
});
