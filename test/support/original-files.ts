// What the original k8s-ovs (Go) package leaves on a node: its sysconfig, its unit's command line and its
// CNI config, with systemd's rule that turns the unit's command line into the daemon's argv.

/** The values of the original RPM's /etc/sysconfig/k8s-ovs: every value is one or more whole flags. */
export interface OriginalSysconfig {
  etcdEndpoints: string;
  etcdPrefix?: string;
  /** Extra flags the administrator appended to the prefix line, e.g. `--network=prod`. */
  prefixExtra?: string;
  /** "" as shipped, or the three TLS flags in one value. */
  caCertKey?: string;
  /** "" as shipped (the host name), or a Node name. */
  hostname?: string;
  kubernetesMaster?: string;
}

export const ORIGINAL_PREFIX = '/k8s.ovs.com/ovs/network';

/** The file as the original's package writes it, with these values filled in. */
export function originalSysconfig(values: OriginalSysconfig): string {
  const prefix = `--etcd-prefix=${values.etcdPrefix ?? ORIGINAL_PREFIX}${values.prefixExtra ? ` ${values.prefixExtra}` : ''}`;
  return [
    `K8S_OVS_ETCD_ENDPOINTS="--etcd-endpoints=${values.etcdEndpoints}"`,
    '',
    `K8S_OVS_ETCD_PREFIX="${prefix}"`,
    '',
    '# K8S_OVS_ETCD_CA_CERT_KEY="--etcd-cafile=/path/to/ca --etcd-certfile=/path/to/cert --etcd-keyfile=/path/to/key"',
    `K8S_OVS_ETCD_CA_CERT_KEY="${values.caCertKey ?? ''}"`,
    '',
    `HOSTNAME="${values.hostname ? `--hostname=${values.hostname}` : ''}"`,
    '',
    `KUBERNETES_MASTER="${values.kubernetesMaster ?? '127.0.0.1:11080'}"`,
    '',
    'KUBECONFIG=""',
    '',
  ].join('\n');
}

/** The arguments of the original unit's ExecStart, after its binary. */
export const ORIGINAL_EXEC_ARGS = [
  '${K8S_OVS_ETCD_ENDPOINTS}', '${K8S_OVS_ETCD_PREFIX}', '${K8S_OVS_ETCD_CA_CERT_KEY}', '${HOSTNAME}', '--alsologtostderr', '--v=5',
];

/** The original's /etc/cni/net.d/80-k8s-ovs.conf. */
export const ORIGINAL_CNI_CONFIG = { cniVersion: '0.1.0', name: 'k8s-ovs', type: 'k8s-ovs' } as const;

/**
 * systemd.service(5): `${VAR}` as a word of its own becomes exactly one argument holding the whole value,
 * whitespace and all (an empty one for an empty value).
 */
export function expandExecArgs(words: readonly string[], env: Readonly<Record<string, string>>): string[] {
  return words.map((word) => word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? ''));
}
