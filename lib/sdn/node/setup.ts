// Brings a node's switch and host networking to the state the pipeline expects; safe to repeat.
import type { HostNetwork } from '../../host/network.js';
import type { OvsSwitch } from '../../ovs/switch.js';
import type { NodeNetwork } from '../pipeline/flows.js';
import { parseVersionNote } from '../pipeline/flows.js';
import {
  FRAGMENT_HANDLING, TUN_PORT, TUN_PORT_NAME, Table, VXLAN_PORT, VXLAN_PORT_NAME,
} from '../pipeline/tables.js';
import type { Ipv4 } from '../../net/ipv4.js';

/** VXLAN over IPv4 adds 50 bytes to every frame. */
export const VXLAN_OVERHEAD = 50;

export interface NodeSetupResult {
  podMtu: number;
  /** tun0's MAC, which the pipeline addresses to the host. */
  gatewayMac: string;
  /** The pipeline version found on the switch before this set-up, if any. */
  previousVersion?: number;
}

export async function setupNode(
  ovs: OvsSwitch, host: HostNetwork, network: Omit<NodeNetwork, 'gatewayMac'>, nodeIp: Ipv4, mtuOverride?: number,
): Promise<NodeSetupResult> {
  const previousVersion = (await ovs.bridgeExists()) ? await pipelineVersion(ovs) : undefined;
  const podMtu = mtuOverride ?? (await host.mtuOfAddress(nodeIp)) - VXLAN_OVERHEAD;
  await ovs.ensureBridge();
  await ovs.setFragmentHandling(FRAGMENT_HANDLING);
  await ovs.ensurePort({
    name: VXLAN_PORT_NAME, type: 'vxlan', ofportRequest: VXLAN_PORT,
    options: { remote_ip: 'flow', key: 'flow' },
  });
  await ovs.ensurePort({ name: TUN_PORT_NAME, type: 'internal', ofportRequest: TUN_PORT, mtuRequest: podMtu });
  const gatewayMac = await host.configureGateway(TUN_PORT_NAME, network.gateway, network.localSubnet, podMtu);
  await host.routeThrough(TUN_PORT_NAME, [network.clusterNetwork, network.serviceNetwork], podMtu);
  await host.enableForwarding();
  await host.ensureMasquerade(network.clusterNetwork, TUN_PORT_NAME);
  return { podMtu, gatewayMac, ...(previousVersion === undefined ? {} : { previousVersion }) };
}

/** What the watchdog reads of a switch; OvsSwitch implements it, unit tests fake it. */
export type SwitchReader = Pick<OvsSwitch, 'dumpFlows' | 'fragmentHandling' | 'vswitchdPid'>;

/** The version note in the Version table, or undefined on a switch this daemon never programmed. */
export async function pipelineVersion(ovs: Pick<SwitchReader, 'dumpFlows'>): Promise<number | undefined> {
  const [marker] = await ovs.dumpFlows({ table: Table.Version });
  return marker ? parseVersionNote(marker.actions) : undefined;
}

/**
 * Why the switch no longer holds this node's set-up (ovs-vswitchd restarted), or undefined if it does;
 * the fragment handling is read only when asked (each read is a program run).
 */
export async function lostSetup(ovs: SwitchReader, checkFragments = true): Promise<string | undefined> {
  const [version, fragments] = await Promise.all([pipelineVersion(ovs), checkFragments ? ovs.fragmentHandling() : FRAGMENT_HANDLING]);
  if (version === undefined) return 'flows missing';
  // Checked apart from the flows: a restart whose flows were put back (ovs-save) still resets it.
  if (fragments !== FRAGMENT_HANDLING) return `fragment handling ${fragments}`;
  return undefined;
}
