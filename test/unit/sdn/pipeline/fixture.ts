// One node's pipeline for the simulator: two red pods, a blue one, a global one, a remote node and services.
import { Cidr, parseIpv4 } from '../../../../lib/net/ipv4.js';
import type { Vnid } from '../../../../lib/tenant/vnid.js';
import {
  type NodeNetwork, type PodPort, pipelineFlows, podFlows, remoteNodeFlows, serviceFlows,
} from '../../../../lib/sdn/pipeline/flows.js';
import { type Packet, type SimulateOptions, simulate } from '../../../support/flowsim.js';

export const net: NodeNetwork = {
  clusterNetwork: Cidr.parse('10.128.0.0/14'), serviceNetwork: Cidr.parse('172.30.0.0/16'),
  localSubnet: Cidr.parse('10.128.0.0/23'), gateway: parseIpv4('10.128.0.1'), gatewayMac: '0a:58:0a:80:00:01', nodeIp: parseIpv4('192.168.50.1'),
};
export const remote = { ip: parseIpv4('192.168.50.2'), subnet: Cidr.parse('10.128.2.0/23') };
export const pod = (ofport: number, ip: string, vnid: number): PodPort => ({
  portName: `ko${ofport}`, ofport, ip: parseIpv4(ip), mac: `0a:58:0a:80:00:0${ofport}`, vnid: vnid as Vnid,
});
export const red1 = pod(3, '10.128.0.3', 11), red2 = pod(4, '10.128.0.4', 11), blue = pod(5, '10.128.0.5', 12);
export const globalPod = pod(6, '10.128.0.6', 0);
export const flows = [
  ...pipelineFlows(net), ...remoteNodeFlows(remote),
  ...[red1, red2, blue, globalPod].flatMap(podFlows),
  ...serviceFlows({ namespace: 'red', name: 'web', ip: parseIpv4('172.30.0.10'), ports: [{ protocol: 'tcp', port: 80 }], vnid: 11 as Vnid }),
  ...serviceFlows({
    namespace: 'red', name: 'dns', ip: parseIpv4('172.30.0.53'), vnid: 11 as Vnid,
    ports: [{ protocol: 'udp', port: 53 }, { protocol: 'udp', port: 5353 }, { protocol: 'tcp', port: 53 }],
  }),
  ...serviceFlows({ namespace: 'default', name: 'ntp', ip: parseIpv4('172.30.0.123'), ports: [{ protocol: 'udp', port: 123 }], vnid: 0 as Vnid }),
];

/** A packet the pod sends from its own port with its own MAC and IP. */
export const fromPod = (src: PodPort, nwDst: string, extra: Partial<Packet> = {}, options: SimulateOptions = {}) =>
  simulate(flows, { inPort: src.ofport, protocol: 'ip', dlSrc: src.mac, nwSrc: src.ip, nwDst, ...extra }, options);
