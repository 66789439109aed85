// Puts the CNI plugin and its network config on the host (the DaemonSet's init container), each by rename.
import { copyFile, chmod, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export interface CniInstallOptions {
  /** The self-contained plugin in the image. */
  plugin: string;
  /** The network config in the image. */
  config: string;
  /** The host's CNI plugin directory, as mounted (e.g. /host/opt/cni/bin). */
  binDir: string;
  /** The host's CNI config directory, as mounted (e.g. /host/etc/cni/net.d). */
  confDir: string;
  /** Name of the plugin on the host: the config's "type". */
  pluginName?: string;
}

export interface CniInstallResult {
  plugin: string;
  config: string;
  /** Configs that sort before ours: the runtime would use the first of them instead. */
  shadowing: string[];
}

/**
 * Copies `source` next to `target` and renames it into place, so nothing ever sees a half-written file,
 * and a plugin process still running the old binary keeps its inode (overwriting it in place would fail
 * with ETXTBSY, or change a program under a running process).
 */
export async function replaceFile(source: string, target: string, mode: number): Promise<void> {
  const partial = path.join(path.dirname(target), `.${path.basename(target)}.k8s-ovs-${process.pid}`);
  try {
    await copyFile(source, partial);
    await chmod(partial, mode);
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

const CONFIG_FILE = /\.(conf|conflist|json)$/;

export async function installCni(options: CniInstallOptions): Promise<CniInstallResult> {
  const plugin = path.join(options.binDir, options.pluginName ?? 'k8s-ovs');
  const config = path.join(options.confDir, path.basename(options.config));
  await replaceFile(options.plugin, plugin, 0o755);
  await replaceFile(options.config, config, 0o644);
  const others = (await readdir(options.confDir)).filter((name) => CONFIG_FILE.test(name) && !name.startsWith('.'));
  const shadowing = others.filter((name) => name < path.basename(config)).sort();
  return { plugin, config, shadowing };
}
