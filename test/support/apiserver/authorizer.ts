// Bearer tokens and RBAC rules: requests with a token get exactly what its rules allow, as a real server's
// RBAC authorizer decides; requests without one are the test's own (admin) and always pass.
import type { IncomingMessage } from 'node:http';
import { ApiError } from './api-error.js';
import type { Verb } from './router.js';
import type { ResourceName } from './types.js';

/** One rule of a ClusterRole (rbac.authorization.k8s.io/v1 PolicyRule), as a manifest writes it. */
export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** Who a token is and what its bound ClusterRoles allow. */
export interface TokenIdentity {
  user: string;
  rules: PolicyRule[];
}

export type TokenTable = Readonly<Record<string, TokenIdentity>>;

export interface ResourceAttributes {
  verb: Verb;
  /** The resource's API group: '' for core. */
  group: string;
  resource: ResourceName;
  namespace?: string;
  name?: string;
}

export function allows(rules: readonly PolicyRule[], request: ResourceAttributes): boolean {
  return rules.some((rule) =>
    (rule.apiGroups ?? []).some((group) => group === request.group || group === '*')
    && (rule.resources ?? []).some((resource) => resource === request.resource || resource === '*')
    && rule.verbs.some((verb) => verb === request.verb || verb === '*')
    && (!rule.resourceNames?.length || (request.name !== undefined && rule.resourceNames.includes(request.name))));
}

/** The token's identity; undefined for a request without credentials. An unknown token is a 401. */
export function authenticate(tokens: TokenTable, request: IncomingMessage): TokenIdentity | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const token = /^Bearer (.+)$/.exec(header)?.[1];
  const identity = token === undefined ? undefined : tokens[token];
  if (!identity) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
  return identity;
}

/** Throws the real server's 403 when the rules do not allow the request. */
export function authorize(identity: TokenIdentity, request: ResourceAttributes): void {
  if (allows(identity.rules, request)) return;
  const scope = request.namespace === undefined ? 'at the cluster scope' : `in the namespace "${request.namespace}"`;
  throw new ApiError(403, 'Forbidden', `${request.resource}${request.name ? ` "${request.name}"` : ''} is forbidden: User "${identity.user}" `
    + `cannot ${request.verb} resource "${request.resource}" in API group "${request.group}" ${scope}`, { kind: request.resource, ...(request.name ? { name: request.name } : {}) });
}
