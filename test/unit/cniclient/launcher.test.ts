// bin/k8s-ovs-cni itself: the launcher runtimes exec (a symlink to a CommonJS file), loading the build in dist/.
import { expect } from 'chai';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SUPPORTED_VERSIONS } from '../../../lib/cniclient/wire.cjs';
import { repoRoot, runPlugin } from '../../support/cni.js';

describe('bin/k8s-ovs-cni', function () {
  const launcher = path.join(repoRoot, 'bin', 'k8s-ovs-cni');

  it('is executable and loads dist/ (run `npm run build` first)', async function () {
    expect((await fs.stat(launcher)).mode & 0o111).to.equal(0o111);
    await fs.access(path.join(repoRoot, 'dist', 'lib', 'cniclient', 'main.cjs'));
  });

  it('resolves to a .cjs file, so Node.js loads it without starting the ES module loader', async function () {
    expect(path.extname(await fs.realpath(launcher))).to.equal('.cjs');
  });

  it('answers VERSION', async function () {
    const run = await runPlugin({ CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.0.0"}', launcher);
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.json).to.deep.equal({ cniVersion: '1.0.0', supportedVersions: [...SUPPORTED_VERSIONS] });
  });

  it('started by its shebang, does not load the extra CA bundle a runtime environment may name (it costs start-up time, and no TLS is used)', async function () {
    const run = await runPlugin({ CNI_COMMAND: 'VERSION', NODE_EXTRA_CA_CERTS: path.join(repoRoot, 'no-such-bundle.pem') },
      '{"cniVersion":"1.0.0"}', launcher, ['/usr/bin/env']);
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.stderr).to.equal('');
  });

  it('reports a missing daemon as a CNI error, not a stack trace', async function () {
    const config = JSON.stringify({ cniVersion: '1.1.0', name: 'n', type: 'k8s-ovs',
      daemonSocket: path.join(repoRoot, 'no-such-dir', 'cni.sock') });
    const run = await runPlugin({ CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c', CNI_IFNAME: 'eth0' }, config, launcher);
    expect(run.exitCode).to.equal(1);
    expect(run.json).to.include({ code: 11, msg: 'k8s-ovs daemon is not running' });
    expect(run.stderr).to.equal('');
  });
});
