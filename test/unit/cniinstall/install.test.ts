// The DaemonSet's CNI installer: files land whole, by rename, and a config that would win over ours is named.
import { expect } from 'chai';
import { mkdir, mkdtemp, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { installCni } from '../../../lib/cniinstall/install.js';

describe('installing the CNI plugin and config on the host (k8s-ovs-install-cni)', () => {
  let dir: string;
  let options: { plugin: string; config: string; binDir: string; confDir: string };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cniinstall-'));
    options = { plugin: path.join(dir, 'image', 'k8s-ovs'), config: path.join(dir, 'image', '80-k8s-ovs.conf'),
      binDir: path.join(dir, 'host', 'opt', 'cni', 'bin'), confDir: path.join(dir, 'host', 'etc', 'cni', 'net.d') };
    for (const d of [path.dirname(options.plugin), options.binDir, options.confDir]) await mkdir(d, { recursive: true });
    await writeFile(options.plugin, 'new plugin', { mode: 0o600 });
    await writeFile(options.config, '{"type":"k8s-ovs"}');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('puts the plugin (executable) and the config (readable) where the runtime looks, and nothing else', async () => {
    const result = await installCni(options);
    expect(result.plugin).to.equal(path.join(options.binDir, 'k8s-ovs'));
    expect(await readFile(result.plugin, 'utf8')).to.equal('new plugin');
    expect((await stat(result.plugin)).mode & 0o777).to.equal(0o755);
    expect(await readFile(result.config, 'utf8')).to.equal('{"type":"k8s-ovs"}');
    expect((await stat(result.config)).mode & 0o777).to.equal(0o644);
    expect(await readdir(options.binDir)).to.deep.equal(['k8s-ovs']);
    expect(await readdir(options.confDir)).to.deep.equal(['80-k8s-ovs.conf']);
  });

  it('replaces an old plugin by rename: a process still holding the old file keeps reading the old bytes', async () => {
    const target = path.join(options.binDir, 'k8s-ovs');
    await writeFile(target, 'old plugin', { mode: 0o755 });
    const running = await open(target, 'r');
    try {
      const before = (await stat(target)).ino;
      await installCni(options);
      expect((await stat(target)).ino, 'a new inode').to.not.equal(before);
      expect((await running.readFile('utf8')), 'the old inode is untouched').to.equal('old plugin');
      expect(await readFile(target, 'utf8')).to.equal('new plugin');
    } finally {
      await running.close();
    }
  });

  it('names configs that sort before ours (the runtime would pick them), and leaves them alone', async () => {
    await writeFile(path.join(options.confDir, '10-flannel.conflist'), '{}');
    await writeFile(path.join(options.confDir, '99-loopback.conf'), '{}');
    const result = await installCni(options);
    expect(result.shadowing).to.deep.equal(['10-flannel.conflist']);
    expect(await readdir(options.confDir)).to.have.members(['10-flannel.conflist', '80-k8s-ovs.conf', '99-loopback.conf']);
  });

  it('fails naming the missing source and leaves no partial file behind', async () => {
    await rm(options.plugin);
    const error = await installCni(options).then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).to.include(options.plugin);
    expect(await readdir(options.binDir)).to.deep.equal([]);
  });
});
