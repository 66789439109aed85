// The RPM end to end: built from this tree by rpm/build.sh, installed into a scratch root and run from there.
import { expect } from 'chai';
import { execa, type Options } from 'execa';
import { existsSync } from 'node:fs';
import { cp, lstat, mkdir, mkdtemp, readFile, readlink, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../support/cni.js';

const APP = '/usr/lib/k8s-ovs';
/** Every packaged path outside the compiled code, the bundled modules and the docs. */
const LAYOUT = [
  '/etc/cni', '/etc/cni/net.d', '/etc/cni/net.d/80-k8s-ovs.conf', '/etc/sysconfig/k8s-ovs',
  '/opt/cni', '/opt/cni/bin', '/opt/cni/bin/k8s-ovs', '/usr/bin/k8s-ovs', '/usr/bin/k8s-ovs-adm',
  APP, `${APP}/bin`, `${APP}/bin/k8s-ovs`, `${APP}/bin/k8s-ovs-adm`, `${APP}/bin/k8s-ovs-cni`, `${APP}/bin/k8s-ovs-cni.cjs`,
  `${APP}/bin/k8s-ovs-install-cni`,
  `${APP}/dist`, `${APP}/node_modules`, `${APP}/package.json`,
  '/usr/lib/systemd/system/k8s-ovs.service', '/usr/share/doc/k8s-ovs', '/var/lib/k8s-ovs',
];
const CONFIG_FILES = ['/etc/cni/net.d/80-k8s-ovs.conf', '/etc/sysconfig/k8s-ovs'];

async function run(file: string, args: string[], options: Options = {}): Promise<string> {
  const result = await execa(file, args, { reject: false, ...options });
  expect(result.exitCode, `${file} ${args.join(' ')}: ${String(result.stderr)}`).to.equal(0);
  return String(result.stdout);
}

/** Type, mode and link target of each path under `base`, to compare two installations. */
async function describeTree(base: string, paths: string[]): Promise<string[]> {
  return Promise.all(paths.map(async (p) => {
    const stat = await lstat(path.join(base, p));
    const target = stat.isSymbolicLink() ? ` -> ${await readlink(path.join(base, p))}` : '';
    return `${p} ${(stat.mode & 0o170777).toString(8)}${target}`;
  }));
}

describe('the k8s-ovs RPM built from this tree', function () {
  this.timeout(60_000);
  let tmp: string;
  let root: string;
  let rpmFile: string;
  let files: string[];
  const query = async (...args: string[]) => (await run('rpm', ['-qp', ...args, rpmFile])).split('\n').filter(Boolean);
  /** Runs an installed program by its path in the root, with nothing from the test's environment. */
  const runInstalled = (file: string, args: string[], options: { env?: Record<string, string>; input?: string } = {}) =>
    run(path.join(root, file), args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, ...options.env }, extendEnv: false,
      ...(options.input === undefined ? {} : { input: options.input }),
    });

  before(async function () {
    this.timeout(240_000);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'k8s-ovs-rpm-test-'));
    root = path.join(tmp, 'root');
    const { version } = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    rpmFile = path.join(tmp, 'out', `k8s-ovs-${version}-1.noarch.rpm`);
    // build.sh prints the package's path and nothing else on stdout, as docs/install.md says.
    expect(await run(path.join(repoRoot, 'rpm/build.sh'), [path.join(tmp, 'out')])).to.equal(rpmFile);
    files = await query('--list');
    // --nodeps: the root has none of the Requires. --noscripts: the scriptlets call systemctl, which
    // is the host's business, not the scratch root's.
    await run('rpm', ['--install', '--root', root, '--dbpath', '/var/lib/rpm', '--nodeps', '--noscripts', rpmFile]);
  });

  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('is a noarch package holding the daemon, the plugin, the admin CLI, the unit and the configuration', async () => {
    expect(await query('--queryformat', '%{ARCH}')).to.deep.equal(['noarch']);
    const outside = files.filter((f) => !f.startsWith(`${APP}/dist/`) && !f.startsWith(`${APP}/node_modules/`)
      && !f.startsWith('/usr/share/doc/k8s-ovs/'));
    expect(outside.sort()).to.deep.equal([...LAYOUT].sort());
    expect(files).to.include.members(['/usr/share/doc/k8s-ovs/README.md', '/usr/share/doc/k8s-ovs/install.md',
      '/usr/share/doc/k8s-ovs/pipeline.md']);
  });

  it('ships compiled lib/ without tests or source maps, and only the production dependencies', async () => {
    expect(files).to.include.members([`${APP}/dist/lib/sdn/daemon/cli.js`, `${APP}/dist/lib/cniclient/main.cjs`,
      `${APP}/dist/lib/adm/cli.js`]);
    const dist = files.filter((f) => f.startsWith(`${APP}/dist/`));
    expect(dist.filter((f) => !f.startsWith(`${APP}/dist/lib`) || /\.(map|ts)$/.test(f))).to.deep.equal([]);
    // Exactly the lockfile's production packages: a devDependency that a dependency also needs is one of them.
    const lock = JSON.parse(await readFile(path.join(repoRoot, 'package-lock.json'), 'utf8')) as
      { packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean }> };
    const bundled = files.filter((f) => /^\/usr\/lib\/k8s-ovs\/(node_modules\/(@[^/]+\/)?[^/@]+\/)+package\.json$/.test(f))
      .map((f) => f.slice(`${APP}/`.length, -'/package.json'.length));
    const production = Object.entries(lock.packages).filter(([key, entry]) => key !== '' && !entry.dev);
    expect(bundled.filter((key) => !production.some(([name]) => name === key))).to.deep.equal([]);
    const missing = production.filter(([key, entry]) => !entry.optional && !entry.devOptional && !bundled.includes(key));
    expect(missing.map(([key]) => key)).to.deep.equal([]);
  });

  it('marks /etc/sysconfig/k8s-ovs and the CNI configuration %config(noreplace)', async () => {
    expect((await query('--configfiles')).sort()).to.deep.equal(CONFIG_FILES);
    const flags = await query('--queryformat', '[%{FILEFLAGS:fflags} %{FILENAMES}\n]');
    for (const file of CONFIG_FILES) expect(flags).to.include(`cn ${file}`);
  });

  it('requires Node.js 20 with the distributions\' epoch, Open vSwitch and the host tools it runs', async () => {
    expect(await query('--requires')).to.include.members(['nodejs >= 1:20', 'openvswitch', 'iproute', 'iptables',
      'ethtool', 'util-linux', 'procps-ng']);
  });

  it('installs every packaged file into the root, unchanged and with its mode', async () => {
    const verify = await execa('rpm', ['--verify', '--all', '--root', root, '--dbpath', '/var/lib/rpm', '--nodeps',
      '--noscripts'], { reject: false });
    expect(verify.exitCode, String(verify.stdout)).to.equal(0);
    expect(String(verify.stdout)).to.equal('');
    expect(await describeTree(root, ['/etc/sysconfig/k8s-ovs', '/var/lib/k8s-ovs'])).to.deep.equal([
      '/etc/sysconfig/k8s-ovs 100600', '/var/lib/k8s-ovs 40700']);
  });

  it('links /opt/cni/bin/k8s-ovs and /usr/bin to the launchers inside the same root', async () => {
    // bin/k8s-ovs-cni is itself a link to the CommonJS launcher (bin/k8s-ovs-cni.cjs).
    const links = { '/opt/cni/bin/k8s-ovs': 'k8s-ovs-cni.cjs', '/usr/bin/k8s-ovs': 'k8s-ovs', '/usr/bin/k8s-ovs-adm': 'k8s-ovs-adm' };
    for (const [link, launcher] of Object.entries(links)) {
      expect(await realpath(path.join(root, link)), link).to.equal(path.join(root, APP, 'bin', launcher));
    }
  });

  it('answers VERSION from /opt/cni/bin/<type> of the shipped network configuration, executed as a runtime does', async () => {
    const text = await readFile(path.join(root, 'etc/cni/net.d/80-k8s-ovs.conf'), 'utf8');
    const conf = JSON.parse(text) as { type: string };
    expect(conf).to.deep.equal({ cniVersion: '1.0.0', name: 'k8s-ovs', type: 'k8s-ovs', capabilities: { bandwidth: true } });
    const answer = await runInstalled(`/opt/cni/bin/${conf.type}`, [], { env: { CNI_COMMAND: 'VERSION' }, input: text });
    expect(JSON.parse(answer)).to.deep.equal({ cniVersion: '1.0.0', supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] });
  });

  it('runs the daemon and the admin CLI from the installed tree alone', async () => {
    // Node also looks for modules in every parent directory: none above the root may have any.
    for (let dir = root; dir !== path.dirname(dir); dir = path.dirname(dir)) {
      expect(existsSync(path.join(path.dirname(dir), 'node_modules')), path.dirname(dir)).to.equal(false);
    }
    expect(await runInstalled('/usr/bin/k8s-ovs', ['--help'])).to.include('--etcd-endpoints');
    expect(await runInstalled('/usr/bin/k8s-ovs-adm', ['--help'])).to.include('k8s-ovs-adm');
  });

  it('names every daemon flag in /etc/sysconfig/k8s-ovs and shows the daemon\'s own defaults', async () => {
    const help = await runInstalled('/usr/bin/k8s-ovs', ['--help']);
    const flags = [...help.matchAll(/^\s+--([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((flag) => flag !== 'help' && flag !== 'version');
    const text = await readFile(path.join(root, 'etc/sysconfig/k8s-ovs'), 'utf8');
    const lines = [...text.matchAll(/^#(K8S_OVS_[A-Z_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(lines.map(([name]) => name).sort())
      .to.deep.equal(flags.map((flag) => `K8S_OVS_${flag.toUpperCase().replaceAll('-', '_')}`).sort());
    // Uncommenting every line that shows a value changes nothing, and the daemon knows every name.
    const parse = async (env: Record<string, string>) => JSON.parse(await run(process.execPath, ['--input-type=module', '-e',
      `import { parseDaemonFlags } from ${JSON.stringify(path.join(root, APP, 'dist/lib/sdn/daemon/options.js'))};
       process.stdout.write(JSON.stringify(parseDaemonFlags([])));`],
    { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, extendEnv: false })) as Record<string, unknown>;
    expect(await parse(Object.fromEntries(lines.filter(([, value]) => value !== '')))).to.deep.equal(await parse({}));
  });

  it('starts the shipped daemon with the shipped environment file from its unit', async () => {
    const unit = await readFile(path.join(root, 'usr/lib/systemd/system/k8s-ovs.service'), 'utf8');
    expect(unit).to.match(/^EnvironmentFile=-\/etc\/sysconfig\/k8s-ovs$/m);
    expect(unit).to.match(/^ExecStart=\/usr\/bin\/k8s-ovs$/m);
  });

  it('unpacks with rpm2archive and tar into the same tree, keeping an edited configuration (docs/install.md)', async () => {
    const manual = path.join(tmp, 'manual');
    const edited = 'K8S_OVS_BRIDGE=br-edited\n';
    await mkdir(path.join(manual, 'etc/sysconfig'), { recursive: true });
    await writeFile(path.join(manual, 'etc/sysconfig/k8s-ovs'), edited, { mode: 0o600 });
    await run('rpm2archive', ['-n', rpmFile]);
    await run('tar', ['-xf', `${rpmFile}.tar`, '-C', manual, '--exclude', './etc']);
    await run('tar', ['-xf', `${rpmFile}.tar`, '-C', manual, '--skip-old-files', './etc']);
    expect(await readFile(path.join(manual, 'etc/sysconfig/k8s-ovs'), 'utf8')).to.equal(edited);
    const unpacked = files.filter((f) => f !== '/etc/sysconfig/k8s-ovs');
    expect(await describeTree(manual, unpacked)).to.deep.equal(await describeTree(root, unpacked));
  });

  // Last: it adds the host's units to the root, which verify --root needs for sysinit.target and the like.
  it('has a unit that systemd-analyze verify accepts inside the installed root', async () => {
    await cp('/usr/lib/systemd/system', path.join(root, 'usr/lib/systemd/system'),
      { recursive: true, force: false, errorOnExist: false, verbatimSymlinks: true });
    // ExecReload runs /usr/bin/kill, which the RPM's util-linux and procps-ng requirements bring.
    await cp('/usr/bin/kill', path.join(root, 'usr/bin/kill'));
    const verify = await execa('systemd-analyze', ['verify', `--root=${root}`, 'k8s-ovs.service'], { reject: false });
    // verify exits 0 on unknown keys and bad values too: only silence means the unit is clean.
    expect({ exitCode: verify.exitCode, stderr: String(verify.stderr) }).to.deep.equal({ exitCode: 0, stderr: '' });
  });
});
