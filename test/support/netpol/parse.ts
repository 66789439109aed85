// Raw NetworkPolicy JSON to a validated, defaulted policy. Rejects what the API server rejects
// (pkg/apis/networking/validation) so the evaluator never guesses a meaning for an invalid object.
import { PROTOCOLS, type Protocol } from './api.js';
import { isStrictSubset, parseCidr, type Cidr } from './cidr.js';
import { InvalidNetworkPolicyError } from './errors.js';
import { parseSelector, type Complain, type Selector } from './selector.js';

export type ParsedPeer =
  | { kind: 'ipBlock'; cidr: Cidr; except: readonly Cidr[]; text: string }
  /** At least one selector is present (validation: "must specify a peer"). */
  | { kind: 'pods'; podSelector?: Selector; namespaceSelector?: Selector };

export type ParsedPort =
  /** No `port`: every port of the protocol. */
  | { protocol: Protocol; kind: 'any' }
  | { protocol: Protocol; kind: 'range'; from: number; to: number }
  | { protocol: Protocol; kind: 'named'; name: string };

export interface ParsedRule {
  /** 'all' when `from`/`to` is missing or empty: "this rule matches all sources/destinations". */
  peers: readonly ParsedPeer[] | 'all';
  /** 'all' when `ports` is missing or empty: "this rule matches all ports". */
  ports: readonly ParsedPort[] | 'all';
}

export interface ParsedPolicy {
  /** namespace/name */
  id: string;
  namespace: string;
  podSelector: Selector;
  affectsIngress: boolean;
  affectsEgress: boolean;
  ingress: readonly ParsedRule[];
  egress: readonly ParsedRule[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Go's JSON decoding gives a missing or null list the same zero value as an empty one. */
function list(raw: unknown, field: string, complain: Complain): unknown[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) return complain(field, raw, 'must be a list');
  return raw;
}

export function parseNetworkPolicy(raw: unknown): ParsedPolicy {
  const metadata = isRecord(raw) && isRecord(raw.metadata) ? raw.metadata : {};
  const { name, namespace } = metadata;
  const id = `${String(namespace)}/${String(name)}`;
  const complain: Complain = (field, value, reason) => {
    throw new InvalidNetworkPolicyError(id, field, value, reason);
  };
  if (typeof name !== 'string' || name === '') complain('metadata.name', name, 'is required');
  if (typeof namespace !== 'string' || namespace === '') complain('metadata.namespace', namespace, 'is required');
  const spec = (raw as Record<string, unknown>).spec ?? {};
  if (!isRecord(spec)) return complain('spec', spec, 'must be an object');

  // podSelector is a non-pointer field: missing means the empty selector, "all pods in the policy's namespace".
  const podSelector = parseSelector(spec.podSelector ?? {}, 'spec.podSelector', complain);
  const ingress = list(spec.ingress, 'spec.ingress', complain).map((rule, i) =>
    parseRule(rule, 'from', `spec.ingress[${i}]`, complain),
  );
  const egress = list(spec.egress, 'spec.egress', complain).map((rule, i) =>
    parseRule(rule, 'to', `spec.egress[${i}]`, complain),
  );
  const types = list(spec.policyTypes, 'spec.policyTypes', complain);
  if (types.length > 2) complain('spec.policyTypes', types, 'may not specify more than two policyTypes');
  types.forEach((type, i) => {
    if (type !== 'Ingress' && type !== 'Egress') complain(`spec.policyTypes[${i}]`, type, 'must be Ingress or Egress');
  });
  // Defaulting (pkg/apis/networking/v1/defaults.go): with no policyTypes, Ingress always, Egress only when
  // len(egress) != 0. The reference says "policies that contain an egress section are assumed to affect
  // egress": an empty `egress: []` is no section, as it serializes to nothing.
  const explicit = types.length > 0;
  return {
    id,
    namespace: namespace as string,
    podSelector,
    affectsIngress: explicit ? types.includes('Ingress') : true,
    affectsEgress: explicit ? types.includes('Egress') : egress.length > 0,
    ingress,
    egress,
  };
}

function parseRule(raw: unknown, peersKey: 'from' | 'to', field: string, complain: Complain): ParsedRule {
  if (!isRecord(raw)) return complain(field, raw, 'must be an object');
  const peers = list(raw[peersKey], `${field}.${peersKey}`, complain).map((peer, i) =>
    parsePeer(peer, `${field}.${peersKey}[${i}]`, complain),
  );
  const ports = list(raw.ports, `${field}.ports`, complain).map((port, i) =>
    parsePort(port, `${field}.ports[${i}]`, complain),
  );
  return { peers: peers.length === 0 ? 'all' : peers, ports: ports.length === 0 ? 'all' : ports };
}

function parsePeer(raw: unknown, field: string, complain: Complain): ParsedPeer {
  if (!isRecord(raw)) return complain(field, raw, 'must be an object');
  const present = (key: string) => raw[key] !== undefined && raw[key] !== null;
  // `{}` is rejected by the API server ("must specify a peer"); ipBlock excludes the selectors.
  if (!present('podSelector') && !present('namespaceSelector') && !present('ipBlock')) {
    return complain(field, raw, 'must specify a peer (podSelector, namespaceSelector or ipBlock)');
  }
  if (present('ipBlock')) {
    if (present('podSelector') || present('namespaceSelector')) {
      return complain(field, raw, 'may not specify both ipBlock and another peer');
    }
    return parseIpBlock(raw.ipBlock, `${field}.ipBlock`, complain);
  }
  return {
    kind: 'pods',
    ...(present('podSelector') && { podSelector: parseSelector(raw.podSelector, `${field}.podSelector`, complain) }),
    ...(present('namespaceSelector') && {
      namespaceSelector: parseSelector(raw.namespaceSelector, `${field}.namespaceSelector`, complain),
    }),
  };
}

function parseIpBlock(raw: unknown, field: string, complain: Complain): ParsedPeer {
  if (!isRecord(raw)) return complain(field, raw, 'must be an object');
  const text = raw.cidr;
  const cidr = typeof text === 'string' ? parseCidr(text) : undefined;
  if (!cidr) return complain(`${field}.cidr`, text, 'must be a CIDR such as 192.168.1.0/24');
  const except = list(raw.except, `${field}.except`, complain).map((entry, i) => {
    const block = typeof entry === 'string' ? parseCidr(entry) : undefined;
    if (!block) return complain(`${field}.except[${i}]`, entry, 'must be a CIDR');
    if (!isStrictSubset(block, cidr)) return complain(`${field}.except[${i}]`, entry, 'must be a strict subset of `cidr`');
    return block;
  });
  return { kind: 'ipBlock', cidr, except, text: text as string };
}

/** IANA_SVC_NAME, the syntax of a container port name (validation.IsValidPortName). */
const PORT_NAME = /^(?=.{1,15}$)(?=.*[a-z])(?!.*--)[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

const isPortNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;

function parsePort(raw: unknown, field: string, complain: Complain): ParsedPort {
  if (!isRecord(raw)) return complain(field, raw, 'must be an object');
  const { port, endPort } = raw;
  // "If not specified, this field defaults to TCP." (NetworkPolicyPort.protocol)
  const protocol = raw.protocol ?? 'TCP';
  if (!PROTOCOLS.includes(protocol as Protocol)) complain(`${field}.protocol`, protocol, 'must be TCP, UDP or SCTP');
  const proto = protocol as Protocol;
  const hasEndPort = endPort !== undefined && endPort !== null;
  if (port === undefined || port === null) {
    if (hasEndPort) complain(`${field}.endPort`, endPort, 'may not be specified when `port` is not specified');
    return { protocol: proto, kind: 'any' };
  }
  if (typeof port === 'string') {
    if (hasEndPort) complain(`${field}.endPort`, endPort, 'may not be specified when `port` is non-numeric');
    if (!PORT_NAME.test(port)) complain(`${field}.port`, port, 'must be a port number or an IANA service name');
    return { protocol: proto, kind: 'named', name: port };
  }
  if (!isPortNumber(port)) return complain(`${field}.port`, port, 'must be between 1 and 65535');
  if (!hasEndPort) return { protocol: proto, kind: 'range', from: port, to: port };
  if (!isPortNumber(endPort)) return complain(`${field}.endPort`, endPort, 'must be between 1 and 65535');
  if (endPort < port) complain(`${field}.endPort`, endPort, 'must be greater than or equal to `port`');
  // "the range of ports from port to endPort if set, inclusive" (NetworkPolicyPort.endPort)
  return { protocol: proto, kind: 'range', from: port, to: endPort };
}
