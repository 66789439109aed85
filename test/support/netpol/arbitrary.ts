// fast-check arbitraries: small random clusters and valid random NetworkPolicies over them, drawn from
// small pools of labels, ports and addresses so that selectors, named ports and ipBlocks often hit.
import fc from 'fast-check';
import {
  PROTOCOLS,
  type ContainerPortInfo,
  type IPBlockObject,
  type LabelSelectorObject,
  type NamespaceInfo,
  type NetworkPolicyObject,
  type NetworkPolicyPeerObject,
  type NetworkPolicyPortObject,
  type PodInfo,
  type Probe,
} from './api.js';

export const NAMESPACE_NAMES = ['ns-a', 'ns-b', 'ns-c'] as const;
export const LABEL_KEYS = ['app', 'tier', 'team'] as const;
export const LABEL_VALUES = ['a', 'b', 'c'] as const;
export const NAME_LABEL = 'kubernetes.io/metadata.name';
export const PORT_NAMES = ['http', 'dns', 'metrics'] as const;
export const PORT_NUMBERS = [53, 80, 81, 443, 8080] as const;
/** Pod i has 10.0.0.(i+1) and runs on node NODE_ADDRESSES[i % 2]; ipBlocks mostly cut 10.0.0.0/24. */
export const NODE_ADDRESSES = ['192.168.0.1', '192.168.0.2'] as const;
/** Addresses that are no pod's: inside and outside the ipBlock space. */
export const OUTSIDE_ADDRESSES = ['10.0.0.200', '10.0.1.9', '172.16.5.5', '203.0.113.9'] as const;

export interface Scenario {
  namespaces: NamespaceInfo[];
  pods: PodInfo[];
  policies: NetworkPolicyObject[];
}

export interface ScenarioOptions {
  maxPods?: number;
  maxPolicies?: number;
  /** Some pods use the host network (address = node address). Off by default. */
  hostNetwork?: boolean;
}

/** Drops keys whose value is undefined, so "missing" is really missing from the JSON. */
const compact = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

const absent = fc.constant(undefined);

export const labelsArb = (keys: readonly string[] = LABEL_KEYS, values: readonly string[] = LABEL_VALUES) =>
  fc.dictionary(fc.constantFrom(...keys), fc.constantFrom(...values), { maxKeys: keys.length });

/** Empty selectors in every spelling, matchLabels, every operator, and both together. */
export function labelSelectorArb(keys: readonly string[] = LABEL_KEYS, values: readonly string[] = LABEL_VALUES): fc.Arbitrary<LabelSelectorObject> {
  const key = fc.constantFrom(...keys);
  const someValues = fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: 2 });
  const requirement = fc.oneof(
    fc.record({ key, operator: fc.constantFrom('In' as const, 'NotIn' as const), values: someValues }),
    fc.record({ key, operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
  );
  return fc
    .record({
      matchLabels: fc.oneof(absent, labelsArb(keys, values)),
      matchExpressions: fc.oneof(absent, fc.array(requirement, { maxLength: 2 })),
    })
    .map(compact);
}

/** Namespace selectors may also pick namespaces by the name label the API server sets. */
const namespaceSelectorArb = () => labelSelectorArb([...LABEL_KEYS, NAME_LABEL], [...LABEL_VALUES, ...NAMESPACE_NAMES]);

const toInt = (ip: string) => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
const toIp = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
const network = (n: number, prefix: number) => n - (n % 2 ** (32 - prefix));

/** A canonical block of 10.0.0.0/24 (or a wide one), with up to two excepts strictly inside it. */
export function ipBlockArb(): fc.Arbitrary<IPBlockObject> {
  const narrow = fc.record({ host: fc.nat(255), prefix: fc.integer({ min: 24, max: 32 }) })
    .map(({ host, prefix }) => ({ base: network(toInt('10.0.0.0') + host, prefix), prefix }));
  const wide = fc.constantFrom({ base: 0, prefix: 0 }, { base: toInt('10.0.0.0'), prefix: 8 }, { base: toInt('172.16.0.0'), prefix: 12 });
  return fc.oneof({ weight: 4, arbitrary: narrow }, { weight: 1, arbitrary: wide }).chain(({ base, prefix }) => {
    const cidr = `${toIp(base)}/${prefix}`;
    if (prefix === 32) return fc.constant({ cidr });
    // Excepts land on pod addresses (10.0.0.x) when the block holds them, else near its start.
    const inner = fc
      .record({ host: fc.nat(255), extra: fc.integer({ min: 1, max: 32 - prefix }) })
      .map(({ host, extra }) => {
        const podAddress = toInt('10.0.0.0') + host;
        const address = network(podAddress, prefix) === base ? podAddress : base + (host % 2 ** Math.min(32 - prefix, 8));
        return `${toIp(network(address, prefix + extra))}/${prefix + extra}`;
      });
    return fc.uniqueArray(inner, { maxLength: 2 }).map((except) => (except.length > 0 ? { cidr, except } : { cidr }));
  });
}

export function peerArb(): fc.Arbitrary<NetworkPolicyPeerObject> {
  return fc.oneof(
    fc.record({ podSelector: labelSelectorArb() }),
    fc.record({ namespaceSelector: namespaceSelectorArb() }),
    fc.record({ podSelector: labelSelectorArb(), namespaceSelector: namespaceSelectorArb() }),
    fc.record({ ipBlock: ipBlockArb() }),
  );
}

/** Missing protocol (TCP) or any protocol; all ports, a number, a range, or a name. */
export function portArb(): fc.Arbitrary<NetworkPolicyPortObject> {
  const protocol = fc.oneof(absent, fc.constantFrom(...PROTOCOLS));
  const number = fc.constantFrom(...PORT_NUMBERS);
  const port = fc.oneof(
    fc.record({}),
    fc.record({ port: number }),
    fc.record({ port: number, width: fc.nat(500) }).map(({ port, width }) => ({ port, endPort: port + width })),
    fc.record({ port: fc.constantFrom(...PORT_NAMES) }),
  );
  return fc.tuple(protocol, port).map(([p, rest]) => compact({ protocol: p, ...rest }));
}

/** A list field missing, empty, or with one to three items. */
const listArb = <T>(item: fc.Arbitrary<T>) => fc.oneof(absent, fc.constant([] as T[]), fc.array(item, { minLength: 1, maxLength: 3 }));

export function networkPolicyArb(namespace: string, name: string): fc.Arbitrary<NetworkPolicyObject> {
  const rule = (peersKey: 'from' | 'to') =>
    fc.record({ [peersKey]: listArb(peerArb()), ports: listArb(portArb()) }).map(compact);
  const policyTypes = fc.constantFrom(undefined, [], ['Ingress'], ['Egress'], ['Ingress', 'Egress'], ['Egress', 'Ingress']);
  return fc
    .record({
      podSelector: fc.oneof(absent, labelSelectorArb()),
      policyTypes,
      ingress: listArb(rule('from')),
      egress: listArb(rule('to')),
    })
    .map((spec) => ({
      apiVersion: 'networking.k8s.io/v1' as const,
      kind: 'NetworkPolicy' as const,
      metadata: { name, namespace },
      spec: compact(spec) as NetworkPolicyObject['spec'],
    }));
}

const containerPortArb: fc.Arbitrary<ContainerPortInfo> = fc
  .record({
    containerPort: fc.constantFrom(...PORT_NUMBERS),
    protocol: fc.oneof(absent, fc.constantFrom(...PROTOCOLS)),
    name: fc.oneof(absent, fc.constantFrom(...PORT_NAMES)),
  })
  .map(compact);

/** Port names are unique within a pod (core/v1 validation): a repeated name is dropped. */
function uniqueNames(containers: { ports: ContainerPortInfo[] }[]): { ports: ContainerPortInfo[] }[] {
  const seen = new Set<string>();
  return containers.map(({ ports }) => ({
    ports: ports.map(({ name, ...port }) => {
      if (name === undefined || seen.has(name)) return port;
      seen.add(name);
      return { ...port, name };
    }),
  }));
}

export function clusterArb(options: ScenarioOptions = {}): fc.Arbitrary<Omit<Scenario, 'policies'>> {
  const namespaces = fc.tuple(...NAMESPACE_NAMES.map((name) =>
    labelsArb().map((labels): NamespaceInfo => ({ name, labels: { ...labels, [NAME_LABEL]: name } })),
  ));
  const pod = fc.record({
    namespace: fc.constantFrom(...NAMESPACE_NAMES),
    labels: labelsArb(),
    containers: fc.array(fc.record({ ports: fc.array(containerPortArb, { maxLength: 2 }) }), { minLength: 1, maxLength: 2 }),
    hostNetwork: options.hostNetwork ? fc.boolean() : fc.constant(false),
  });
  const pods = fc.array(pod, { minLength: 1, maxLength: options.maxPods ?? 6 }).map((specs) =>
    specs.map(({ hostNetwork, containers, ...spec }, i): PodInfo => {
      const hostIP = NODE_ADDRESSES[i % 2]!;
      return {
        ...spec,
        name: `p${i}`,
        ip: hostNetwork ? hostIP : `10.0.0.${i + 1}`,
        hostIP,
        containers: uniqueNames(containers),
        ...(hostNetwork && { hostNetwork }),
      };
    }),
  );
  return fc.record({ namespaces: namespaces.map((list) => [...list]), pods });
}

export function scenarioArb(options: ScenarioOptions = {}): fc.Arbitrary<Scenario> {
  const policies: fc.Arbitrary<NetworkPolicyObject[]> = fc
    .array(fc.constantFrom(...NAMESPACE_NAMES), { maxLength: options.maxPolicies ?? 4 })
    .chain((namespaces) => fc.tuple(...namespaces.map((ns, i) => networkPolicyArb(ns, `np${i}`))) as fc.Arbitrary<NetworkPolicyObject[]>);
  return fc.record({ cluster: clusterArb(options), policies }).map(({ cluster, policies: list }) => ({ ...cluster, policies: list }));
}

/** A probe between pods of the cluster or outside addresses, on a port some rule or container may name. */
export function probeArb(pods: readonly PodInfo[], options: { nodeAddresses?: boolean } = {}): fc.Arbitrary<Probe> {
  const addresses = [...OUTSIDE_ADDRESSES, ...(options.nodeAddresses ? NODE_ADDRESSES : [])];
  const endpoint = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...pods).map((p) => ({ pod: { namespace: p.namespace, name: p.name } })) },
    { weight: 1, arbitrary: fc.constantFrom(...addresses).map((ip) => ({ ip })) },
  );
  return fc.record({ from: endpoint, to: endpoint, protocol: fc.constantFrom(...PROTOCOLS), port: fc.constantFrom(...PORT_NUMBERS, 82, 600) });
}

export function scenarioWithProbesArb(options: ScenarioOptions & { maxProbes?: number } = {}): fc.Arbitrary<{ scenario: Scenario; probes: Probe[] }> {
  return scenarioArb(options).chain((scenario) =>
    fc.array(probeArb(scenario.pods), { minLength: 1, maxLength: options.maxProbes ?? 10 }).map((probes) => ({ scenario, probes })),
  );
}
