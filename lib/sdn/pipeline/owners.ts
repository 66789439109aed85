// Which owner each flow belongs to, as a cookie: one category per kind of owner.
import { type Cookie, ownerCookie } from '../../ovs/cookie.js';
import type { Ipv4 } from '../../net/ipv4.js';

export enum OwnerKind {
  Pipeline = 1,
  Node = 2,
  Pod = 3,
  Service = 4,
  Guard = 5,
  Policy = 6,
  FixedAddress = 7,
}

export const pipelineOwner: Cookie = ownerCookie(OwnerKind.Pipeline, 'pipeline');
export const nodeOwner = (nodeIp: Ipv4): Cookie => ownerCookie(OwnerKind.Node, nodeIp);
export const podOwner = (portName: string): Cookie => ownerCookie(OwnerKind.Pod, portName);
export const guardOwner: Cookie = ownerCookie(OwnerKind.Guard, 'control-plane');
/** Every NetworkPolicy flow: rules share flows (a peer of several rules), so they are one owner, replaced by diff. */
export const policyOwner: Cookie = ownerCookie(OwnerKind.Policy, 'network-policies');
/** The flows that route one fixed address (outside every HostSubnet) to the node that holds it. */
export const fixedAddressOwner = (ip: Ipv4): Cookie => ownerCookie(OwnerKind.FixedAddress, ip);
export const serviceOwner = (namespace: string, name: string): Cookie =>
  ownerCookie(OwnerKind.Service, `${namespace}/${name}`);
