// Spec-level tests of the real plugin process against the real CNI server with a fake backend.
import { expect } from 'chai';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SUPPORTED_VERSIONS } from '../../../lib/cniclient/wire.cjs';
import { CniError } from '../../../lib/sdn/cni/errors.js';
import { CniServer } from '../../../lib/sdn/cni/server.js';
import { FakeBackend, fakeAttachment, runPlugin, type PluginRun } from '../../support/cni.js';

const POD_ARGS = 'IgnoreUnknown=1;K8S_POD_NAMESPACE=tenant-a;K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=c1';

describe('k8s-ovs CNI plugin against the daemon', function () {
  let base: string;
  let socketPath: string;
  let server: CniServer;
  const backend = new FakeBackend();

  function config(extra: Record<string, unknown> = {}, cniVersion = '1.1.0'): string {
    return JSON.stringify({ cniVersion, name: 'k8s-ovs', type: 'k8s-ovs', daemonSocket: socketPath, ...extra });
  }

  function env(command: string, containerId = 'c1', extra: Record<string, string> = {}): Record<string, string> {
    return {
      CNI_COMMAND: command, CNI_CONTAINERID: containerId, CNI_NETNS: `/var/run/netns/${containerId}`,
      CNI_IFNAME: 'eth0', CNI_ARGS: POD_ARGS, CNI_PATH: '/opt/cni/bin', ...extra,
    };
  }

  function expectError(run: PluginRun, code: number, msg?: RegExp): void {
    expect(run.exitCode, run.stdout + run.stderr).to.not.equal(0);
    expect(run.json, run.stdout).to.include({ code });
    expect(run.json?.msg).to.be.a('string');
    expect(run.json?.cniVersion).to.be.a('string');
    if (msg) expect(`${String(run.json?.msg)} ${typeof run.json?.details === 'string' ? run.json.details : ''}`).to.match(msg);
  }

  before(async function () {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'k8s-ovs-cni-'));
    socketPath = path.join(base, 'run', 'cni-server.sock');
    server = new CniServer({ socketPath, backend });
    await server.start();
  });

  after(async function () {
    await server.stop();
    await fs.rm(base, { recursive: true, force: true });
  });

  beforeEach(function () {
    backend.reset();
  });

  describe('VERSION', function () {
    it('is answered without a daemon and echoes the requested version', async function () {
      const run = await runPlugin({ CNI_COMMAND: 'VERSION' },
        JSON.stringify({ cniVersion: '0.4.0', daemonSocket: path.join(base, 'nothing.sock') }));
      expect(run.exitCode).to.equal(0);
      expect(run.json).to.deep.equal({ cniVersion: '0.4.0', supportedVersions: [...SUPPORTED_VERSIONS] });
    });

    it('answers with the latest version when stdin is empty', async function () {
      const run = await runPlugin({ CNI_COMMAND: 'VERSION' }, '');
      expect(run.exitCode).to.equal(0);
      expect(run.json).to.deep.include({ cniVersion: '1.1.0' });
    });
  });

  describe('ADD', function () {
    for (const version of ['0.1.0', '0.2.0'] as const) {
      it(`returns a ${version} result in that version's ip4 format, for the original k8s-ovs's config`, async function () {
        const run = await runPlugin(env('ADD'), config({}, version));
        expect(run.exitCode, run.stdout).to.equal(0);
        expect(run.json).to.deep.equal({
          cniVersion: version,
          ip4: { ip: '10.128.0.5/23', gateway: '10.128.0.1', routes: [{ dst: '0.0.0.0/0', gw: '10.128.0.1' }, { dst: '224.0.0.0/4' }] },
          dns: {},
        });
        const del = await runPlugin(env('DEL'), config({}, version));
        expect(del.exitCode, del.stdout).to.equal(0);
        expect(backend.calls.map((call) => call.method)).to.deep.equal(['add', 'del']);
      });
    }

    for (const version of SUPPORTED_VERSIONS.filter((v) => v !== '0.1.0' && v !== '0.2.0')) {
      it(`returns a ${version} result with the attachment`, async function () {
        const run = await runPlugin(env('ADD'), config({}, version));
        expect(run.exitCode, run.stdout).to.equal(0);
        const result = run.json as { cniVersion: string; interfaces: Array<Record<string, unknown>>;
          ips: Array<Record<string, unknown>>; routes: unknown[]; dns: unknown; };
        expect(result.cniVersion).to.equal(version);
        expect(result.interfaces).to.have.length(2);
        expect(result.interfaces[1]).to.include({ name: 'eth0', sandbox: '/var/run/netns/c1', mac: '0a:58:0a:80:00:05' });
        expect(result.interfaces[0]).to.not.have.property('sandbox');
        const ip = { address: '10.128.0.5/23', gateway: '10.128.0.1', interface: 1 };
        expect(result.ips).to.deep.equal([version.startsWith('0.') ? { version: '4', ...ip } : ip]);
        expect(result.routes).to.deep.equal([{ dst: '0.0.0.0/0', gw: '10.128.0.1' }, { dst: '224.0.0.0/4' }]);
        expect(result.dns).to.deep.equal({});
        if (version === '1.1.0') expect(result.interfaces[1]).to.include({ mtu: 1450 });
        else expect(result.interfaces[1]).to.not.have.property('mtu');
      });
    }

    it('passes the pod, netns and bandwidth from the runtime to the backend', async function () {
      const run = await runPlugin(env('ADD'), config({
        runtimeConfig: { bandwidth: { IngressRate: 10_000_000, IngressBurst: 4294967295, egressRate: 2_000_000 } },
      }));
      expect(run.exitCode, run.stdout).to.equal(0);
      const request = backend.calls[0]?.request;
      expect(request).to.deep.include({ command: 'ADD', containerId: 'c1', ifname: 'eth0', netns: '/var/run/netns/c1' });
      expect(request?.pod).to.deep.equal({ namespace: 'tenant-a', name: 'web-0', infraContainerId: 'c1' });
      expect(request?.bandwidth).to.deep.equal({
        ingress: { rateBps: 10_000_000, burstBits: 1_000_000 },
        egress: { rateBps: 2_000_000, burstBits: 200_000 },
      });
    });
  });

  describe('DEL, CHECK, STATUS and GC', function () {
    it('DEL succeeds with no output, even without CNI_NETNS and CNI_ARGS', async function () {
      const run = await runPlugin(env('DEL', 'c2', {}), config());
      expect(run.exitCode).to.equal(0);
      expect(run.stdout).to.equal('');
      const bare = { CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c2', CNI_IFNAME: 'eth0' };
      const second = await runPlugin(bare, config());
      expect(second.exitCode, second.stdout).to.equal(0);
      expect(backend.calls.map((c) => c.method)).to.deep.equal(['del', 'del']);
      expect(backend.calls[1]?.request?.netns).to.equal(undefined);
    });

    for (const version of ['0.4.0', '1.0.0', '1.1.0']) {
      it(`CHECK (${version}) hands the backend the attachment from prevResult`, async function () {
        const add = await runPlugin(env('ADD', 'c3'), config({}, version));
        const run = await runPlugin(env('CHECK', 'c3'), config({ prevResult: add.json }, version));
        expect(run.exitCode, run.stdout).to.equal(0);
        expect(run.stdout).to.equal('');
        const check = backend.calls.find((c) => c.method === 'check');
        if (check?.request?.command !== 'CHECK') throw new Error('the backend saw no CHECK');
        const expected = fakeAttachment(check.request);
        if (version !== '1.1.0') delete expected.podInterface.mtu;
        expect(check?.prev).to.deep.equal(expected);
      });
    }

    it('CHECK without prevResult is an invalid configuration (7)', async function () {
      expectError(await runPlugin(env('CHECK'), config()), 7, /prevResult/);
    });

    it('CHECK with a 0.3.1 configuration is an incompatible version (1)', async function () {
      expectError(await runPlugin(env('CHECK'), config({}, '0.3.1')), 1, /CHECK needs cniVersion 0.4.0/);
    });

    it('STATUS succeeds when the backend is ready and passes its CniError (50) through', async function () {
      const status = { CNI_COMMAND: 'STATUS', CNI_PATH: '/opt/cni/bin' };
      expect((await runPlugin(status, config())).exitCode).to.equal(0);
      backend.fail = new CniError(50, 'node not ready', 'waiting for the HostSubnet');
      const run = await runPlugin(status, config());
      expectError(run, 50, /waiting for the HostSubnet/);
      expect(run.json).to.deep.equal({ cniVersion: '1.1.0', code: 50, msg: 'node not ready',
        details: 'waiting for the HostSubnet' });
    });

    it('STATUS and GC need cniVersion 1.1.0 (1)', async function () {
      expectError(await runPlugin({ CNI_COMMAND: 'STATUS' }, config({}, '1.0.0')), 1, /STATUS needs cniVersion 1.1.0/);
      expectError(await runPlugin({ CNI_COMMAND: 'GC' }, config({}, '1.0.0')), 1, /GC needs cniVersion 1.1.0/);
    });

    it('GC hands the backend the valid attachments', async function () {
      const valid = [{ containerID: 'c1', ifname: 'eth0' }, { containerID: 'c9', ifname: 'net1' }];
      const run = await runPlugin({ CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' },
        config({ 'cni.dev/valid-attachments': valid, 'cni.dev/attachments': valid }));
      expect(run.exitCode, run.stdout).to.equal(0);
      expect(backend.calls[0]?.valid).to.deep.equal([
        { containerId: 'c1', ifname: 'eth0' }, { containerId: 'c9', ifname: 'net1' },
      ]);
    });

    it('GC without a valid-attachments list is refused rather than deleting everything (7)', async function () {
      expectError(await runPlugin({ CNI_COMMAND: 'GC' }, config()), 7, /valid-attachments/);
      expect(backend.calls).to.have.length(0);
    });
  });

  describe('errors', function () {
    it('reports a daemon that is not running as "try again later" (11), and STATUS as not available (50)', async function () {
      const missing = path.join(base, 'missing', 'cni.sock');
      const cfg = JSON.stringify({ cniVersion: '1.0.0', name: 'k8s-ovs', type: 'k8s-ovs', daemonSocket: missing });
      const run = await runPlugin(env('ADD'), cfg);
      expectError(run, 11, /not running/);
      expect(run.json?.cniVersion).to.equal('1.0.0');
      const status = await runPlugin({ CNI_COMMAND: 'STATUS' },
        JSON.stringify({ cniVersion: '1.1.0', name: 'n', type: 't', daemonSocket: missing }));
      expectError(status, 50, /not running/);
    });

    it('rejects a configuration that is not JSON (6)', async function () {
      expectError(await runPlugin(env('ADD'), '{"cniVersion": "1.0.0",'), 6);
    });

    it('rejects unsupported and missing versions (1)', async function () {
      expectError(await runPlugin(env('ADD'), config({}, '0.0.9')), 1, /"0.0.9" is not supported/);
      expectError(await runPlugin(env('CHECK'), config({}, '0.2.0')), 1, /CHECK needs cniVersion 0.4.0 or later/);
      const noVersion = JSON.stringify({ name: 'k8s-ovs', type: 'k8s-ovs', daemonSocket: socketPath });
      expectError(await runPlugin(env('ADD'), noVersion), 1, /cniVersion is missing/);
    });

    it('rejects an invalid network name (7)', async function () {
      expectError(await runPlugin(env('ADD'), config({ name: '-bad name' })), 7, /name/);
    });

    for (const variable of ['CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME']) {
      it(`names a missing ${variable} in an invalid-environment error (4)`, async function () {
        const vars = env('ADD');
        delete vars[variable];
        expectError(await runPlugin(vars, config()), 4, new RegExp(variable));
        expect(backend.calls).to.have.length(0);
      });
    }

    it('rejects an unknown command, a bad container ID and a bad ifname (4)', async function () {
      expectError(await runPlugin(env('FROB'), config()), 4, /CNI_COMMAND.*FROB/);
      expectError(await runPlugin(env('ADD', '-x'), config()), 4, /CNI_CONTAINERID/);
      expectError(await runPlugin(env('ADD', 'c1', { CNI_IFNAME: 'a/b' }), config()), 4, /CNI_IFNAME/);
    });

    it('rejects unknown CNI_ARGS unless IgnoreUnknown is set (4)', async function () {
      const args = 'K8S_POD_NAMESPACE=a;K8S_POD_NAME=b;FOO=1';
      expectError(await runPlugin(env('ADD', 'c1', { CNI_ARGS: args }), config()), 4, /FOO/);
      const ok = await runPlugin(env('ADD', 'c1', { CNI_ARGS: `IgnoreUnknown=true;${args}` }), config());
      expect(ok.exitCode, ok.stdout).to.equal(0);
    });

    it('rejects ADD without the pod in CNI_ARGS (4)', async function () {
      expectError(await runPlugin(env('ADD', 'c1', { CNI_ARGS: '' }), config()), 4, /K8S_POD_NAMESPACE/);
    });

    it('rejects a bad runtimeConfig.bandwidth naming the field (7)', async function () {
      const run = await runPlugin(env('ADD'), config({ runtimeConfig: { bandwidth: { ingressRate: -5 } } }));
      expectError(run, 7, /runtimeConfig\.bandwidth\.ingressRate/);
    });

    it('refuses a request over 1 MiB (7)', async function () {
      const run = await runPlugin(env('ADD'), config({ padding: 'x'.repeat(1024 * 1024 + 1) }));
      expectError(run, 7, /larger than 1048576 bytes/);
      expect(backend.calls).to.have.length(0);
    });

    it('gives up after daemonTimeoutSeconds with "try again later" (11)', async function () {
      let release!: () => void;
      backend.gate = new Promise((resolve) => { release = resolve; });
      try {
        const run = await runPlugin(env('ADD', 'slow'), config({ daemonTimeoutSeconds: 0.5 }));
        expectError(run, 11, /did not answer ADD within 0.5 s/);
        expect(run.ms).to.be.below(5000);
      } finally {
        release();
      }
    });

    it('passes a backend CniError through and reports other failures as code 100', async function () {
      backend.fail = new CniError(3, 'unknown container', 'no sandbox c1');
      const known = await runPlugin(env('ADD'), config({}, '0.4.0'));
      expect(known.exitCode).to.not.equal(0);
      expect(known.json).to.deep.equal({ cniVersion: '0.4.0', code: 3, msg: 'unknown container', details: 'no sandbox c1' });
      backend.fail = new Error('ovs-vsctl: database connection failed');
      expectError(await runPlugin(env('ADD'), config()), 100, /database connection failed/);
    });
  });
});
