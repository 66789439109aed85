// The etcd key layout, relative to the store prefix (default /k8s.ovs.com/ovs/network).
// The config, subnets and netnamespaces keys are the original k8s-ovs ones; the claim and
// error keys are this implementation's bookkeeping beside them.

export const DEFAULT_PREFIX = '/k8s.ovs.com/ovs/network';

export const CONFIG_KEY = 'config';

export interface NetworkKeys {
  /** `<Name>/subnets/`: one HostSubnet per node, keyed by HostIP. */
  subnets: string;
  subnet(hostIp: string): string;
  /** `<Name>/subnet-claims/`: one key per handed-out subnet (value: HostIP), created only if absent. */
  subnetClaims: string;
  subnetClaim(subnet: string): string;
  /** `<Name>/subnet-history/`: the subnet a released host last held (value: CIDR), offered again if free. */
  subnetHistory: string;
  subnetHistoryOf(hostIp: string): string;
  /** `<Name>/netnamespaces/`: one NetNamespace per Kubernetes namespace. */
  netNamespaces: string;
  netNamespace(namespace: string): string;
  /** `<Name>/netid-claims/`: one key per VNID in use (value: a namespace using it). */
  netIdClaims: string;
  netIdClaim(vnid: number): string;
  /** `<Name>/netnamespace-errors/`: why the last Action on a namespace was rejected (JSON). */
  netNamespaceErrors: string;
  netNamespaceError(namespace: string): string;
  /** `<Name>/ippools/`: one IP pool per key (a CIDR or ranges, and the namespaces that may use it). */
  ipPools: string;
  ipPool(pool: string): string;
  /** `<Name>/ippool-status/`: the master's verdict on each pool (accepted, or refused with the reason). */
  ipPoolStatuses: string;
  ipPoolStatus(pool: string): string;
  /** `<Name>/ip-claims/`: one key per fixed pod address, created only if absent. */
  ipClaims: string;
  ipClaim(ip: string): string;
  /** `<Name>/mac-claims/`: one key per fixed address's MAC (value: the address). */
  macClaims: string;
  macClaim(mac: string): string;
  /** `<Name>/pod-claims/<namespace>/<pod>`: the fixed address of a pod (value: the address). */
  podClaims: string;
  podClaim(namespace: string, pod: string): string;
  /** Election name for the master; etcd3 stores candidates under `election/<this>/`. */
  masterElection: string;
}

export function networkKeys(name: string): NetworkKeys {
  const under = (dir: string): string => `${name}/${dir}/`;
  return {
    subnets: under('subnets'),
    subnet: (hostIp) => `${under('subnets')}${hostIp}`,
    subnetClaims: under('subnet-claims'),
    subnetClaim: (subnet) => `${under('subnet-claims')}${subnet}`,
    subnetHistory: under('subnet-history'),
    subnetHistoryOf: (hostIp) => `${under('subnet-history')}${hostIp}`,
    netNamespaces: under('netnamespaces'),
    netNamespace: (namespace) => `${under('netnamespaces')}${namespace}`,
    netIdClaims: under('netid-claims'),
    netIdClaim: (vnid) => `${under('netid-claims')}${vnid}`,
    netNamespaceErrors: under('netnamespace-errors'),
    netNamespaceError: (namespace) => `${under('netnamespace-errors')}${namespace}`,
    ipPools: under('ippools'),
    ipPool: (pool) => `${under('ippools')}${pool}`,
    ipPoolStatuses: under('ippool-status'),
    ipPoolStatus: (pool) => `${under('ippool-status')}${pool}`,
    ipClaims: under('ip-claims'),
    ipClaim: (ip) => `${under('ip-claims')}${ip}`,
    macClaims: under('mac-claims'),
    macClaim: (mac) => `${under('mac-claims')}${mac}`,
    podClaims: under('pod-claims'),
    podClaim: (namespace, pod) => `${under('pod-claims')}${namespace}/${pod}`,
    masterElection: `${name}/master`,
  };
}

/** The last segment of a key (the HostIP, namespace or VNID it is named after). */
export function keyLeaf(key: string, dir: string): string {
  return key.startsWith(dir) ? key.slice(dir.length) : key;
}
