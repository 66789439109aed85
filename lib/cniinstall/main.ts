// k8s-ovs-install-cni: the DaemonSet's init container; copies the plugin and config from the image to the host.
import { parseArgs } from 'node:util';
import { installCni } from './install.js';

const usage = `usage: k8s-ovs-install-cni [--plugin FILE] [--config FILE] [--cni-bin-dir DIR] [--cni-conf-dir DIR]
Copies the self-contained CNI plugin and its network config onto the host, each by rename.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      plugin: { type: 'string', default: '/usr/lib/k8s-ovs/cni/k8s-ovs' },
      config: { type: 'string', default: '/usr/lib/k8s-ovs/cni/80-k8s-ovs.conf' },
      'cni-bin-dir': { type: 'string', default: '/host/opt/cni/bin' },
      'cni-conf-dir': { type: 'string', default: '/host/etc/cni/net.d' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const result = await installCni({ plugin: values.plugin, config: values.config, binDir: values['cni-bin-dir'], confDir: values['cni-conf-dir'] });
  process.stdout.write(`installed the CNI plugin ${result.plugin} and its config ${result.config}\n`);
  if (result.shadowing.length) {
    process.stderr.write(`warning: ${result.shadowing.join(', ')} in ${values['cni-conf-dir']} sort before ${result.config}: `
      + 'the container runtime uses the first config by name, so pods would not get k8s-ovs networking; remove them\n');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`k8s-ovs-install-cni: ${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
  process.exit(1);
});
