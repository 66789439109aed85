// The contract between the CNI server and the pod network backend that wires veths, OVS and IPAM.
import type { CniVersion } from '../../cniclient/wire.cjs';
import type { PodRef } from '../../k8s/views.js';
import type { Ipv4 } from '../../net/ipv4.js';
import type { PodBandwidth } from './bandwidth.js';

export type { CniVersion };

/** The pod a sandbox belongs to, from CNI_ARGS (K8S_POD_*). */
export interface SandboxPod extends PodRef {
  /** K8S_POD_INFRA_CONTAINER_ID when the runtime sends it (usually equal to the container ID). */
  infraContainerId?: string;
  /** K8S_POD_UID when the runtime sends it (containerd does). */
  uid?: string;
}

/** The CNI network configuration ("netconf") fields the daemon uses; `raw` keeps the rest for plugin-specific fields. */
export interface NetConf {
  cniVersion: CniVersion;
  name: string;
  type: string;
  raw: Readonly<Record<string, unknown>>;
}

interface ContainerRequest {
  containerId: string;
  ifname: string;
  /** From runtimeConfig.bandwidth; merge with the pod's annotations via effectiveBandwidth(). */
  bandwidth: PodBandwidth;
  config: NetConf;
}

/** ADD or CHECK, validated: the spec requires the netns, and k8s-ovs requires CNI_ARGS to name the pod. */
export interface AttachRequest extends ContainerRequest {
  command: 'ADD' | 'CHECK';
  netns: string;
  pod: SandboxPod;
}

/** DEL, validated: the spec lets it come without the netns (the sandbox may be gone) and without CNI_ARGS. */
export interface DetachRequest extends ContainerRequest {
  command: 'DEL';
  netns?: string;
  pod?: SandboxPod;
}

export type PodRequest = AttachRequest | DetachRequest;

export interface AttachmentInterface {
  name: string;
  /** Lower-case colon-separated MAC, e.g. "0a:58:0a:80:00:05". */
  mac: string;
}

export interface AttachmentRoute {
  /** Destination CIDR, e.g. "0.0.0.0/0" or "224.0.0.0/4". */
  dst: string;
  gw?: Ipv4;
}

/** What ADD built for one pod interface; the server renders it as the requested CNI result version. */
export interface PodAttachment {
  /** The host end of the veth, listed first in `interfaces` (no sandbox). */
  hostInterface?: AttachmentInterface;
  /** The interface inside the pod; `sandbox` is the netns path. */
  podInterface: AttachmentInterface & { sandbox: string; mtu?: number };
  ip: Ipv4;
  prefixLength: number;
  gateway: Ipv4;
  routes: AttachmentRoute[];
  dns?: { nameservers?: string[]; domain?: string; search?: string[]; options?: string[] } | undefined;
}

/** One entry of CNI 1.1 GC's `cni.dev/valid-attachments`. */
export interface AttachmentKey {
  containerId: string;
  ifname: string;
}

/**
 * Implemented by the node's pod network code. Throw CniError to pick the CNI code the runtime
 * sees; anything else is reported as code 100 with its message. Calls for one container ID
 * never overlap; calls for different containers run in parallel; gc() runs alone.
 */
export interface PodNetworkBackend {
  /** Attach the pod. A repeated ADD of a completed (containerId, ifname) returns the stored attachment. */
  add(req: AttachRequest): Promise<PodAttachment>;
  /** Detach and release; succeeds when things are already gone (DEL is repeatable). */
  del(req: DetachRequest): Promise<void>;
  /** Verify `prev` (the runtime's prevResult) still holds; throw CniError if not. */
  check(req: AttachRequest, prev: PodAttachment): Promise<void>;
  /** Returns (or resolves) when ADD can be served now; throws CniError(50 or 51) when it cannot. */
  status(): void | Promise<void>;
  /** Remove every attachment (and its IP) not listed in `valid`. */
  gc(valid: AttachmentKey[]): Promise<void>;
}
