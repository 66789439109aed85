// Pods on the reference Linux bridge CNI plugin (containernetworking-plugins' bridge + host-local), run as a runtime would.
import path from 'node:path';
import type { PodNetns, SandboxNode } from '../../test/support/sandbox/index.js';

export const BRIDGE_PLUGIN_DIR = '/usr/lib/cni';

export interface BridgeNetwork {
  subnet: string;
  /** host-local keeps its leases here (never the machine's /var/lib/cni). */
  dataDir: string;
  mtu: number;
}

/** ADD for one pod: `nsenter --net=NODE /usr/lib/cni/bridge` with CNI_* and the config on stdin; returns the pod's IP. */
export async function addBridgePod(node: SandboxNode, pod: PodNetns, network: BridgeNetwork): Promise<string> {
  const config = {
    cniVersion: '1.0.0', name: 'kbn-bridge', type: 'bridge', bridge: 'cni-kbn', isGateway: true, ipMasq: false,
    mtu: network.mtu, ipam: { type: 'host-local', subnet: network.subnet, dataDir: network.dataDir, routes: [{ dst: '0.0.0.0/0' }] },
  };
  const result = await node.exec(path.join(BRIDGE_PLUGIN_DIR, 'bridge'), [], {
    input: JSON.stringify(config),
    env: {
      CNI_COMMAND: 'ADD', CNI_CONTAINERID: `kbn-${pod.name}`, CNI_NETNS: pod.netnsPath, CNI_IFNAME: 'eth0',
      CNI_PATH: BRIDGE_PLUGIN_DIR,
    },
  });
  const answer = JSON.parse(result.stdout) as { ips?: Array<{ address: string }> };
  const address = answer.ips?.[0]?.address;
  if (!address) throw new Error(`bridge plugin gave ${pod.name} no address: ${result.stdout}`);
  return address.split('/')[0]!;
}
