// networking.k8s.io/v1 NetworkPolicy as a typed view, with every missing or empty field given its upstream meaning.
import { AddressError, Cidr, ipv4ToInt, parseIpv4 } from '../net/ipv4.js';
import { type Fields, ViewError, isFields, root, text } from './fields.js';

export type LabelOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: readonly string[];
}

/** A label selector; both parts empty selects everything. */
export interface LabelSelector {
  matchLabels: Readonly<Record<string, string>>;
  matchExpressions: readonly LabelRequirement[];
}

/**
 * Pods by selectors (a null podSelector: every pod of the namespaces chosen; a null namespaceSelector: the policy's
 * own namespace), or addresses (an IPv4 ipBlock minus its exceptions).
 */
export type PolicyPeer =
  | { kind: 'pods'; podSelector: LabelSelector | null; namespaceSelector: LabelSelector | null }
  | { kind: 'ipBlock'; cidr: Cidr; except: readonly Cidr[] };

export type PolicyProtocol = 'tcp' | 'udp' | 'sctp';

export interface PolicyPort {
  protocol: PolicyProtocol;
  /** A number, a named container port, or null for every port of the protocol. */
  port: number | string | null;
  /** With a numeric port: the last port of the range. */
  endPort: number | null;
}

/**
 * One ingress or egress rule. `'all'` is the upstream meaning of a missing or empty `from`/`to` or `ports`;
 * an empty list means nothing matches (every peer of it was IPv6).
 */
export interface PolicyRule {
  peers: readonly PolicyPeer[] | 'all';
  ports: readonly PolicyPort[] | 'all';
}

export interface KubeNetworkPolicy {
  namespace: string;
  name: string;
  podSelector: LabelSelector;
  /** null when the policy does not apply to ingress; an empty list isolates its pods for ingress. */
  ingress: readonly PolicyRule[] | null;
  egress: readonly PolicyRule[] | null;
}

export function parseNetworkPolicy(object: unknown): KubeNetworkPolicy {
  const { metadata, spec } = root(object);
  const types = policyTypes(spec);
  return {
    namespace: text(metadata, 'namespace', 'metadata.namespace'),
    name: text(metadata, 'name', 'metadata.name'),
    // Not a pointer in the API: absent, it is the empty selector, every pod of the namespace.
    podSelector: parseSelector(isFields(spec.podSelector) ? spec.podSelector : {}, 'spec.podSelector'),
    ingress: types.has('Ingress') ? rules(spec.ingress, 'from', 'spec.ingress') : null,
    egress: types.has('Egress') ? rules(spec.egress, 'to', 'spec.egress') : null,
  };
}

/** policyTypes as given; without it (or empty), Ingress always and Egress when the policy has egress rules (the API's default). */
function policyTypes(spec: Fields): Set<'Ingress' | 'Egress'> {
  const given = spec.policyTypes;
  if (given === undefined || given === null || (Array.isArray(given) && given.length === 0)) {
    return new Set(Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress']);
  }
  if (!Array.isArray(given)) throw new ViewError(`spec.policyTypes: expected a list, got ${JSON.stringify(given)}`);
  return new Set(given.map((type: unknown, i) => {
    if (type !== 'Ingress' && type !== 'Egress') throw new ViewError(`spec.policyTypes[${i}]: "${String(type)}" is not Ingress or Egress`);
    return type;
  }));
}

function rules(value: unknown, peerField: 'from' | 'to', path: string): PolicyRule[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ViewError(`${path}: expected a list, got ${JSON.stringify(value)}`);
  return value.map((rule: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isFields(rule)) throw new ViewError(`${at}: expected an object, got ${JSON.stringify(rule)}`);
    return { peers: peers(rule[peerField], `${at}.${peerField}`), ports: ports(rule.ports, `${at}.ports`) };
  });
}

function peers(value: unknown, path: string): PolicyRule['peers'] {
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) return 'all';
  if (!Array.isArray(value)) throw new ViewError(`${path}: expected a list, got ${JSON.stringify(value)}`);
  return value.flatMap((peer: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isFields(peer)) throw new ViewError(`${at}: expected an object, got ${JSON.stringify(peer)}`);
    if (isFields(peer.ipBlock)) return ipBlock(peer.ipBlock, `${at}.ipBlock`);
    const pods = isFields(peer.podSelector) ? parseSelector(peer.podSelector, `${at}.podSelector`) : null;
    const namespaces = isFields(peer.namespaceSelector) ? parseSelector(peer.namespaceSelector, `${at}.namespaceSelector`) : null;
    if (pods === null && namespaces === null) throw new ViewError(`${at}: names no podSelector, namespaceSelector or ipBlock`);
    return [{ kind: 'pods' as const, podSelector: pods, namespaceSelector: namespaces }];
  });
}

/** An IPv4 block; an IPv6 one is no peer here (pods have IPv4 addresses only). */
function ipBlock(block: Fields, path: string): PolicyPeer[] {
  const cidr = text(block, 'cidr', `${path}.cidr`);
  if (cidr.includes(':')) return [];
  const except = Array.isArray(block.except) ? block.except : [];
  return [{
    kind: 'ipBlock', cidr: network(cidr, `${path}.cidr`),
    except: except.filter((e: unknown): e is string => typeof e === 'string' && !e.includes(':'))
      .map((e, i) => network(e, `${path}.except[${i}]`)),
  }];
}

/** A CIDR as the API accepts it (host bits may be set): the network it names. */
function network(text: string, path: string): Cidr {
  const [address, prefix] = text.split('/');
  const length = Number(prefix);
  try {
    if (address === undefined || prefix === undefined || !Number.isInteger(length) || length < 0 || length > 32) {
      throw new AddressError(text);
    }
    return Cidr.of(ipv4ToInt(parseIpv4(address, path)), length);
  } catch (error) {
    if (error instanceof AddressError) throw new ViewError(`${path}: "${text}" is not an IPv4 CIDR`);
    throw error;
  }
}

const protocols: readonly PolicyProtocol[] = ['tcp', 'udp', 'sctp'];

function ports(value: unknown, path: string): PolicyRule['ports'] {
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) return 'all';
  if (!Array.isArray(value)) throw new ViewError(`${path}: expected a list, got ${JSON.stringify(value)}`);
  return value.map((entry: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isFields(entry)) throw new ViewError(`${at}: expected an object, got ${JSON.stringify(entry)}`);
    const protocol = (typeof entry.protocol === 'string' ? entry.protocol : 'TCP').toLowerCase();
    if (!protocols.includes(protocol as PolicyProtocol)) throw new ViewError(`${at}.protocol: "${String(entry.protocol)}" is not TCP, UDP or SCTP`);
    const port = entry.port ?? null;
    if (port !== null && !(typeof port === 'string' && port !== '') && !isPortNumber(port)) {
      throw new ViewError(`${at}.port: ${JSON.stringify(port)} is neither a port number nor a port name`);
    }
    const endPort = entry.endPort ?? null;
    if (endPort !== null && (!isPortNumber(endPort) || typeof port !== 'number' || endPort < port)) {
      throw new ViewError(`${at}.endPort: ${JSON.stringify(endPort)} must be a port number at least port ${JSON.stringify(port)}`);
    }
    return { protocol: protocol as PolicyProtocol, port: port as number | string | null, endPort: endPort as number | null };
  });
}

function isPortNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

const operators: readonly LabelOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

export function parseSelector(value: Fields, path: string): LabelSelector {
  const labels = isFields(value.matchLabels) ? value.matchLabels : {};
  const matchLabels: Record<string, string> = {};
  for (const [key, label] of Object.entries(labels)) {
    if (typeof label !== 'string') throw new ViewError(`${path}.matchLabels.${key}: expected a string, got ${JSON.stringify(label)}`);
    matchLabels[key] = label;
  }
  const expressions = Array.isArray(value.matchExpressions) ? value.matchExpressions : [];
  const matchExpressions = expressions.map((entry: unknown, i): LabelRequirement => {
    const at = `${path}.matchExpressions[${i}]`;
    if (!isFields(entry)) throw new ViewError(`${at}: expected an object, got ${JSON.stringify(entry)}`);
    const operator = entry.operator as LabelOperator;
    if (!operators.includes(operator)) throw new ViewError(`${at}.operator: "${String(entry.operator)}" is not ${operators.join(', ')}`);
    const values = Array.isArray(entry.values) ? entry.values.filter((v: unknown): v is string => typeof v === 'string') : [];
    return { key: text(entry, 'key', `${at}.key`), operator, values };
  });
  return { matchLabels, matchExpressions };
}
