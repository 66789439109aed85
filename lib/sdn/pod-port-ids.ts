// The external IDs a pod's OVS port carries: written by the daemon's ADD, read back by its restart and by k8s-ovs-adm trace.
/** Keys under which a pod's port carries what a restarted daemon (and k8s-ovs-adm trace) needs. */
export const POD_PORT_IDS = {
  container: 'k8s-ovs-container-id',
  ifname: 'k8s-ovs-ifname',
  namespace: 'k8s-ovs-namespace',
  pod: 'k8s-ovs-pod',
  netns: 'k8s-ovs-netns',
  ip: 'k8s-ovs-ip',
  mac: 'k8s-ovs-mac',
  ingress: 'k8s-ovs-ingress',
  egress: 'k8s-ovs-egress',
  /** Only on a pod adopted from the original k8s-ovs whose namespace was unknown: the VNID it keeps. */
  vnid: 'k8s-ovs-vnid',
} as const;
