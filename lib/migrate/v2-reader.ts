// Reads keys through etcd's v2 HTTP API (GET /v2/keys), the only API the original k8s-ovs wrote.
// No maintained npm client speaks etcd v2 (etcd3 is v3-only), so this is a small GET-only reader.
// It uses node:http(s) rather than fetch: Node 20's fetch takes client certificates only through
// undici's Agent, which is not a dependency of this project.
import http from 'node:http';
import https from 'node:https';
import { type CredentialOptions, type TlsFiles, readCredentials, withScheme } from '../etcd/credentials.js';
import { messageOf } from '../errors.js';
import {
  V2AccessError, V2NotServedError, V2OptionsError, V2ResponseError, V2UnavailableError,
} from './errors.js';

/** The user and password go as HTTP basic auth. */
export interface V2Options extends CredentialOptions {
  /** Client URLs of the etcd members serving v2; a bare host:port gets http:// (https:// with caFile). */
  endpoints: string[];
  /** Deadline of each request; default 5000 ms. */
  requestTimeoutMs?: number;
}

/** One key of the v2 tree, relative to the prefix it was read under. */
export interface V2Entry {
  readonly key: string;
  readonly value: string;
}

interface HttpAnswer {
  status: number;
  body: string;
}

const DEFAULT_TIMEOUT_MS = 5000;
/** etcd v2's "Key not found" error code. */
const KEY_NOT_FOUND = 100;

function keyPath(key: string): string {
  return key.split('/').filter(Boolean).map(encodeURIComponent).join('/');
}

export class V2Reader {
  private constructor(
    private readonly endpoints: readonly URL[],
    private readonly tls: TlsFiles,
    private readonly auth: string | undefined,
    private readonly timeoutMs: number,
  ) {}

  /** Checks the options and reads the TLS files; no request is made yet. */
  static async open(options: V2Options): Promise<V2Reader> {
    if (options.endpoints.length === 0) throw new V2OptionsError('etcd v2 endpoints: none given');
    const { tls, auth } = await readCredentials(options, (message) => new V2OptionsError(`etcd v2 ${message}`));
    const endpoints = options.endpoints.map((endpoint) => {
      try {
        return new URL(withScheme(endpoint, tls.ca !== undefined));
      } catch {
        throw new V2OptionsError(`etcd v2 endpoint "${endpoint}" is not a URL`);
      }
    });
    const basicAuth = auth === undefined ? undefined : `${auth.username}:${auth.password}`;
    return new V2Reader(endpoints, tls, basicAuth, options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS);
  }

  get endpointList(): string {
    return this.endpoints.map((url) => url.origin).join(',');
  }

  /** Every value under `prefix` (directories flattened), keys relative to it; empty if the prefix is absent. */
  async readTree(prefix: string): Promise<V2Entry[]> {
    const root = `/${keyPath(prefix)}`;
    const node = await this.get(`/v2/keys${root}?recursive=true&quorum=true`);
    const entries: V2Entry[] = [];
    if (node !== null) flatten(node, entries);
    return entries
      .map(({ key, value }) => ({ key: key.startsWith(`${root}/`) ? key.slice(root.length + 1) : key, value }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** The value of one key, or null if it does not exist or is a directory. */
  async readKey(key: string): Promise<string | null> {
    const node = await this.get(`/v2/keys/${keyPath(key)}?quorum=true`);
    return node !== null && typeof node.value === 'string' ? node.value : null;
  }

  /** One GET, tried on each endpoint until one answers; an HTTP answer of any status is final. */
  private async get(path: string): Promise<V2Node | null> {
    let lastError: unknown;
    for (const endpoint of this.endpoints) {
      let answer: HttpAnswer;
      try {
        answer = await this.request(new URL(path, endpoint));
      } catch (error) {
        lastError = error;
        continue;
      }
      return interpret(endpoint.origin, answer);
    }
    throw new V2UnavailableError(
      `etcd v2 at ${this.endpointList} did not answer: ${lastError === undefined ? 'no endpoint' : messageOf(lastError)}`, { cause: lastError });
  }

  private request(url: URL): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const options = { method: 'GET', timeout: this.timeoutMs, headers: { accept: 'application/json' },
        ...(this.auth === undefined ? {} : { auth: this.auth }) };
      const onResponse = (response: http.IncomingMessage): void => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      };
      const request = url.protocol === 'https:'
        ? https.request(url, { ...options, ...this.tls }, onResponse)
        : http.request(url, options, onResponse);
      request.on('timeout', () => request.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      request.on('error', reject);
      request.end();
    });
  }
}

interface V2Node {
  key: string;
  value?: string;
  nodes?: unknown[];
}

function isNode(value: unknown): value is V2Node {
  if (value === null || typeof value !== 'object') return false;
  const node = value as Record<string, unknown>;
  return typeof node.key === 'string' && (node.value === undefined || typeof node.value === 'string') &&
    (node.nodes === undefined || Array.isArray(node.nodes));
}

function flatten(node: V2Node, into: V2Entry[]): void {
  if (node.value !== undefined) into.push({ key: node.key, value: node.value });
  for (const child of node.nodes ?? []) {
    if (!isNode(child)) throw new V2ResponseError(`etcd v2 returned a malformed node under ${node.key}`);
    flatten(child, into);
  }
}

function parseJson(body: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Turns an HTTP answer into the node read, null for "Key not found", or a typed error. */
function interpret(origin: string, answer: HttpAnswer): V2Node | null {
  const json = parseJson(answer.body);
  const message = typeof json?.message === 'string' ? json.message : answer.body.trim().slice(0, 200);
  if (answer.status === 200 && json !== null && isNode(json.node)) return json.node;
  if (answer.status === 404 && json?.errorCode === KEY_NOT_FOUND) return null;
  if (answer.status === 401 || answer.status === 403) {
    throw new V2AccessError(`etcd v2 at ${origin} refused access (HTTP ${answer.status}): ${message}`);
  }
  if (answer.status === 404) {
    throw new V2NotServedError(`${origin} does not serve the etcd v2 API ("${message}"); ` +
      'etcd 3.4 and 3.5 serve it only when started with --enable-v2=true');
  }
  throw new V2ResponseError(`etcd v2 at ${origin} answered HTTP ${answer.status}: ${message}`);
}
