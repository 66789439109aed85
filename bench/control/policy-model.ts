// A synthetic cluster for NetworkPolicy runs: namespaces, labelled pods with named ports, and policies written as
// API objects (parsed by lib/k8s) in the mix users write: selectors, namespace peers, ipBlocks with except, ports.
import { type KubeNetworkPolicy, parseNetworkPolicy } from '../../lib/k8s/index.js';
import { type Ipv4, intToIpv4, ipv4ToInt } from '../../lib/net/ipv4.js';
import type { PolicyInputs, PolicyPod } from '../../lib/sdn/policy/compile.js';
import type { Labels } from '../../lib/sdn/policy/selector.js';

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32): the same seed gives the same cluster on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export interface ClusterShape {
  namespaces: number;
  pods: number;
  /** One pod in `localEvery` runs on the measured node, in every namespace (the rest are peers on other nodes). */
  localEvery: number;
  seed: number;
}

export interface PolicyCluster {
  namespaceLabels: Map<string, Labels>;
  pods: Array<PolicyPod & { ip: Ipv4 }>;
  local: Array<PolicyPod & { ip: Ipv4 }>;
}

const APPS = ['web', 'api', 'db', 'cache', 'worker'];
const TIERS = ['frontend', 'backend', 'data'];
const TEAMS = 8;
/** Local pods from the lib-level runs' /21 (bench/control/model.ts), the others from node subnets that only exist in flows. */
const LOCAL_POD_BASE = ipv4ToInt('10.128.0.10');
const REMOTE_POD_BASE = ipv4ToInt('10.136.0.10');

export function policyCluster(shape: ClusterShape): PolicyCluster {
  const namespaceLabels = new Map<string, Labels>();
  for (let i = 0; i < shape.namespaces; i++) {
    namespaceLabels.set(`ns${i}`, { 'kubernetes.io/metadata.name': `ns${i}`, team: `t${i % TEAMS}`, env: i % 3 === 0 ? 'prod' : 'dev' });
  }
  const pods: PolicyCluster['pods'] = [];
  const local: PolicyCluster['local'] = [];
  for (let j = 0; j < shape.pods; j++) {
    const k = Math.floor(j / shape.namespaces);
    // Shifted by k: every namespace gets local pods of every label, not only every other namespace.
    const isLocal = (j + k) % shape.localEvery === 0;
    const ip = intToIpv4((isLocal ? LOCAL_POD_BASE + local.length : REMOTE_POD_BASE + j));
    // `http` is 8080 on some apps and 80 on others: a named port that resolves to different numbers per pod.
    const pod = {
      namespace: `ns${j % shape.namespaces}`, name: `p${j}`, ip, hostNetwork: false,
      labels: { app: APPS[k % APPS.length]!, tier: TIERS[k % TIERS.length]!, version: `v${k % 2}` },
      namedPorts: [
        { name: 'http', protocol: 'tcp' as const, port: k % 2 ? 80 : 8080 }, { name: 'metrics', protocol: 'tcp' as const, port: 9090 },
        ...(k % 4 === 0 ? [{ name: 'dns', protocol: 'udp' as const, port: 53 }] : []),
      ],
    };
    pods.push(pod);
    if (isLocal) local.push(pod);
  }
  return { namespaceLabels, pods, local };
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const between = (random: Random, low: number, high: number) => low + Math.floor(random() * (high - low + 1));

function podSelector(random: Random): object {
  const r = random();
  if (r < 0.1) return {};
  if (r < 0.6) return { matchLabels: { app: pick(random, APPS) } };
  if (r < 0.85) return { matchLabels: { app: pick(random, APPS), tier: pick(random, TIERS) } };
  return { matchExpressions: [{ key: 'tier', operator: 'In', values: [pick(random, TIERS), pick(random, TIERS)] }] };
}

/** A rule's peer as users write them: same-namespace pods, other teams' namespaces, both, or an address block. */
export function randomPeer(random: Random): object {
  const r = random();
  const team = { matchLabels: { team: `t${between(random, 0, TEAMS - 1)}` } };
  if (r < 0.4) return { podSelector: { matchLabels: { app: pick(random, APPS) } } };
  if (r < 0.6) return { namespaceSelector: random() < 0.5 ? team : { matchLabels: { env: 'prod' } } };
  if (r < 0.8) return { namespaceSelector: team, podSelector: { matchLabels: { tier: pick(random, TIERS) } } };
  const third = between(random, 0, 255);
  return random() < 0.5
    ? { ipBlock: { cidr: `172.16.${third & 0xfc}.0/22`, except: [`172.16.${third & 0xfc}.128/25`] } }
    : { ipBlock: { cidr: `192.168.${third}.0/24`, except: [`192.168.${third}.0/28`, `192.168.${third}.240/28`] } };
}

const PORTS: readonly object[] = [
  { protocol: 'TCP', port: 80 }, { protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 'http' }, { protocol: 'TCP', port: 'metrics' },
  { protocol: 'UDP', port: 53 }, { protocol: 'UDP', port: 'dns' }, { protocol: 'TCP', port: 30000, endPort: 30100 },
  { protocol: 'TCP', port: 8000, endPort: 8099 }, { protocol: 'SCTP', port: 9999 },
];

export function randomPorts(random: Random): object[] | undefined {
  if (random() < 0.15) return undefined;
  return [...new Set(Array.from({ length: between(random, 1, 3) }, () => pick(random, PORTS)))];
}

function rules(random: Random, peerField: 'from' | 'to'): object[] {
  return Array.from({ length: between(random, 1, 2) }, () => {
    const ports = randomPorts(random);
    return { [peerField]: Array.from({ length: between(random, 1, 3) }, () => randomPeer(random)), ...(ports ? { ports } : {}) };
  });
}

/** `count` policies over the cluster's namespaces, as API objects: 65 % ingress only, 20 % both, 15 % egress only. */
export function randomPolicies(count: number, shape: ClusterShape): KubeNetworkPolicy[] {
  const random = seededRandom(shape.seed + count);
  return Array.from({ length: count }, (_, i) => {
    const r = random();
    const types = r < 0.65 ? ['Ingress'] : r < 0.85 ? ['Ingress', 'Egress'] : ['Egress'];
    const spec = {
      podSelector: podSelector(random), policyTypes: types,
      ...(types.includes('Ingress') ? { ingress: rules(random, 'from') } : {}),
      ...(types.includes('Egress') ? { egress: rules(random, 'to') } : {}),
    };
    return parseNetworkPolicy({ metadata: { namespace: `ns${i % shape.namespaces}`, name: `np${i}` }, spec });
  });
}

export function policyInputs(cluster: PolicyCluster, policies: readonly KubeNetworkPolicy[]): PolicyInputs {
  return { policies, namespaceLabels: cluster.namespaceLabels, pods: cluster.pods, local: cluster.local };
}
