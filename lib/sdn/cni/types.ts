// The contract between the CNI server and the pod network backend that wires veths, OVS and IPAM.
import type { CniVersion } from '../../cniclient/wire.js';
import type { Ipv4 } from '../../net/ipv4.js';
import type { PodBandwidth } from './bandwidth.js';

export type { CniVersion };

/** The pod a sandbox belongs to, from CNI_ARGS (K8S_POD_*). */
export interface PodRef {
  namespace: string;
  name: string;
  /** K8S_POD_INFRA_CONTAINER_ID when the runtime sends it (usually equal to the container ID). */
  infraContainerId?: string;
  /** K8S_POD_UID when the runtime sends it (containerd does). */
  uid?: string;
}

/** The network configuration fields the daemon uses; `raw` keeps the rest for plugin-specific fields. */
export interface NetworkConfig {
  cniVersion: CniVersion;
  name: string;
  type: string;
  raw: Readonly<Record<string, unknown>>;
}

/** One ADD, DEL or CHECK, validated. */
export interface PodRequest {
  command: 'ADD' | 'DEL' | 'CHECK';
  containerId: string;
  ifname: string;
  /** Netns path; the spec lets DEL omit it (the sandbox may be gone), ADD and CHECK always have it. */
  netns?: string;
  /** Always present for ADD and CHECK; DEL may come without CNI_ARGS. */
  pod?: PodRef;
  /** From runtimeConfig.bandwidth; merge with the pod's annotations via effectiveBandwidth(). */
  bandwidth: PodBandwidth;
  config: NetworkConfig;
}

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
  add(req: PodRequest): Promise<PodAttachment>;
  /** Detach and release; succeeds when things are already gone (DEL is repeatable). */
  del(req: PodRequest): Promise<void>;
  /** Verify `prev` (the runtime's prevResult) still holds; throw CniError if not. */
  check(req: PodRequest, prev: PodAttachment): Promise<void>;
  /** Returns (or resolves) when ADD can be served now; throws CniError(50 or 51) when it cannot. */
  status(): void | Promise<void>;
  /** Remove every attachment (and its IP) not listed in `valid`. */
  gc(valid: AttachmentKey[]): Promise<void>;
}
