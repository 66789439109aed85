// Maps HTTP requests to discovery, list, watch and the registry's reads and writes, under /api/v1 and /apis/<group>/v1.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';
import { type TokenTable, authenticate, authorize } from './authorizer.js';
import { apiGroup, apiGroupList, apiVersions, coreResourceList, groupResourceList, versionInfo } from './discovery.js';
import { mediaType, readJsonBody, sendError, sendJson, sendText } from './http-io.js';
import type { ObjectStore } from './object-store.js';
import { applyPatch, isPatchContentType, patchContentTypes } from './patch.js';
import type { Selection } from './query.js';
import {
  isWatch,
  parseBoolean,
  parseDeleteOptions,
  parseResourceVersion,
  parseSelection,
  parseTimeoutSeconds,
  selects,
} from './query.js';
import type { Registry } from './registry.js';
import type { ResourceDescriptor } from './resources.js';
import { apiVersionOf, descriptors, isResourceName } from './resources.js';
import type { ObjectRef, ResourceName } from './types.js';
import { WatchStream } from './watch-stream.js';

export type Verb = 'list' | 'watch' | 'get' | 'create' | 'update' | 'patch' | 'delete' | 'other';

/** One request as the server saw it, for tests that assert how a client queried. */
export interface RequestRecord {
  method: string;
  path: string;
  query: Readonly<Record<string, string>>;
  verb: Verb;
  resource?: ResourceName;
}

export interface RouterContext {
  store: ObjectStore;
  registry: Registry;
  bookmarkIntervalMs: number;
  /** host:port as clients reach the server, for discovery. */
  serverAddress(): string;
  /** Starts the stream and keeps it until it closes, so the server can close it on stop. */
  trackWatch(stream: WatchStream): void;
  record(entry: RequestRecord): void;
  /** Bearer tokens whose requests RBAC rules limit; requests without a token are always allowed. */
  tokens: TokenTable;
}

interface Route {
  descriptor: ResourceDescriptor;
  namespace?: string;
  name?: string;
  subresource?: string;
}

const notFound = (): ApiError => new ApiError(404, 'NotFound', 'the server could not find the requested resource');

/** Resolves the path segments after /api/v1 (group '') or /apis/<group>/v1; undefined for paths the real server does not serve either. */
function resolveRoute(segments: string[], group: string): Route | undefined {
  const [first, second, third, fourth, fifth, ...extra] = segments;
  if (first === undefined || extra.length > 0) return undefined;
  const inGroup = (name: string) => isResourceName(name) && descriptors[name].group === group;
  if (first === 'namespaces' && second !== undefined && third !== undefined && inGroup(third)) {
    const descriptor = descriptors[third as ResourceName];
    return descriptor.namespaced ? { descriptor, namespace: second, name: fourth, subresource: fifth } : undefined;
  }
  if (!inGroup(first) || fourth !== undefined) return undefined;
  const descriptor = descriptors[first as ResourceName];
  // Namespaced objects are only addressable under /namespaces/{namespace}/.
  if (descriptor.namespaced && second !== undefined) return undefined;
  return { descriptor, name: second, subresource: third };
}

function verbOf(method: string, route: Route, params: URLSearchParams): Verb {
  if (method === 'GET') return route.name === undefined ? (isWatch(params) ? 'watch' : 'list') : 'get';
  if (method === 'POST') return 'create';
  if (method === 'PUT') return 'update';
  if (method === 'PATCH') return 'patch';
  if (method === 'DELETE') return 'delete';
  return 'other';
}

export class ApiRouter {
  constructor(private readonly context: RouterContext) {}

  readonly handle = (request: IncomingMessage, response: ServerResponse): void => {
    this.dispatch(request, response).catch((error: unknown) => {
      const failure = error instanceof ApiError ? error : ApiError.internal(String(error));
      if (response.headersSent) response.destroy();
      else sendError(response, failure);
    });
  };

  private async dispatch(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://apiserver');
    const method = request.method ?? 'GET';
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const route = segments[0] === 'api' && segments[1] === 'v1' && segments.length > 2 ? resolveRoute(segments.slice(2), '')
      : segments[0] === 'apis' && segments[1] !== undefined && segments[2] === 'v1' && segments.length > 3
        ? resolveRoute(segments.slice(3), segments[1]) : undefined;
    const verb = route ? verbOf(method, route, url.searchParams) : 'other';
    this.context.record({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      verb,
      resource: route?.descriptor.resource,
    });
    const identity = authenticate(this.context.tokens, request);
    if (identity && route) authorize(identity, { verb, group: route.descriptor.group, resource: route.descriptor.resource, namespace: route.namespace, name: route.name });
    if (!route) return this.serveNonResource(method, url.pathname, response);
    if (route.name === undefined) return this.serveCollection(method, route, url.searchParams, request, response);
    return this.serveItem(method, route as Route & { name: string }, url.searchParams, request, response);
  }

  private serveNonResource(method: string, path: string, response: ServerResponse): void {
    if (method !== 'GET') throw notFound();
    const normalized = path.replace(/\/+$/, '') || '/';
    if (normalized === '/api') return sendJson(response, 200, apiVersions(this.context.serverAddress()));
    if (normalized === '/api/v1') return sendJson(response, 200, coreResourceList());
    if (normalized === '/apis') return sendJson(response, 200, apiGroupList());
    const group = /^\/apis\/([^/]+)(\/v1)?$/.exec(normalized);
    const served = group ? (group[2] ? groupResourceList(group[1]!) : apiGroup(group[1]!)) : undefined;
    if (served) return sendJson(response, 200, served);
    if (normalized === '/version') return sendJson(response, 200, versionInfo());
    if (['/healthz', '/livez', '/readyz'].includes(normalized)) return sendText(response, 200, 'ok');
    throw notFound();
  }

  private async serveCollection(
    method: string,
    route: Route,
    params: URLSearchParams,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const { descriptor, namespace } = route;
    if (method === 'GET') {
      const selection = parseSelection(descriptor, params);
      return isWatch(params) ? this.watch(route, selection, params, response) : this.list(route, selection, params, response);
    }
    // A namespaced resource is created under its namespace, never on the cluster-wide collection.
    if (method === 'POST' && (namespace !== undefined || !descriptor.namespaced)) {
      const body = await readJsonRequest(request);
      return sendJson(response, 201, this.context.registry.create(descriptor.resource, body, 'spec', { namespace }));
    }
    throw ApiError.methodNotAllowed(method);
  }

  private async serveItem(
    method: string,
    route: Route & { name: string },
    params: URLSearchParams,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const { descriptor, namespace, name, subresource } = route;
    const ref: ObjectRef = { resource: descriptor.resource, name, namespace };
    const registry = this.context.registry;
    if (subresource === 'binding' && descriptor.resource === 'pods' && method === 'POST') {
      registry.bind(ref, await readJsonRequest(request));
      return sendJson(response, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    }
    if (subresource !== undefined && subresource !== 'status') throw notFound();
    const scope = subresource === 'status' ? 'status' : 'spec';
    switch (method) {
      case 'GET':
        return sendJson(response, 200, registry.get(ref));
      case 'PUT': {
        const body = await readJsonRequest(request);
        return sendJson(response, 200, registry.update(descriptor.resource, body, scope, { namespace, name }));
      }
      case 'PATCH': {
        const contentType = mediaType(request);
        if (!isPatchContentType(contentType)) throw ApiError.unsupportedMediaType(contentType, patchContentTypes);
        const patched = applyPatch(registry.get(ref), contentType, await readJsonBody(request));
        return sendJson(response, 200, registry.update(descriptor.resource, patched, scope, { namespace, name }));
      }
      case 'DELETE': {
        if (subresource !== undefined) break;
        const outcome = registry.delete(ref, parseDeleteOptions(params, await readJsonBody(request)));
        // Pods and Services answer with the deleted object; the others with a Status.
        if (!outcome.removed || descriptor.namespaced) return sendJson(response, 200, outcome.object);
        const details = { name, kind: descriptor.resource, uid: outcome.object.metadata.uid };
        return sendJson(response, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details });
      }
    }
    throw ApiError.methodNotAllowed(method);
  }

  private list(route: Route, selection: Selection, params: URLSearchParams, response: ServerResponse): void {
    const { descriptor, namespace } = route;
    const store = this.context.store;
    const requested = parseResourceVersion(params);
    if (requested !== undefined && requested > store.currentRevision) {
      throw ApiError.tooLargeResourceVersion(requested, store.currentRevision);
    }
    const items = store
      .list(descriptor.resource, namespace)
      .filter((object) => selects(descriptor, selection, namespace, object))
      // List items carry no kind or apiVersion on the wire; the list itself does.
      .map(({ kind: _kind, apiVersion: _apiVersion, ...item }) => item);
    sendJson(response, 200, {
      kind: `${descriptor.kind}List`,
      apiVersion: apiVersionOf(descriptor),
      metadata: { resourceVersion: String(store.currentRevision) },
      items,
    });
  }

  private watch(route: Route, selection: Selection, params: URLSearchParams, response: ServerResponse): void {
    const sendInitialEvents = parseBoolean(params, 'sendInitialEvents');
    const match = params.get('resourceVersionMatch') ?? '';
    if (sendInitialEvents ? match !== 'NotOlderThan' : match !== '') {
      throw new ApiError(422, 'Invalid', `resourceVersionMatch: Forbidden: "${match}" is not allowed for a watch ${sendInitialEvents ? 'with' : 'without'} sendInitialEvents`);
    }
    const stream = new WatchStream(
      response,
      {
        descriptor: route.descriptor,
        namespace: route.namespace,
        selection,
        resourceVersion: parseResourceVersion(params),
        sendInitialEvents,
        allowBookmarks: parseBoolean(params, 'allowWatchBookmarks'),
        timeoutSeconds: parseTimeoutSeconds(params),
      },
      this.context.store,
      this.context.bookmarkIntervalMs,
    );
    this.context.trackWatch(stream);
  }
}

/** Bodies of POST and PUT are JSON; the real server also takes YAML and protobuf, this one does not. */
async function readJsonRequest(request: IncomingMessage): Promise<unknown> {
  const type = mediaType(request);
  if (type !== '' && type !== 'application/json') throw ApiError.unsupportedMediaType(type, ['application/json']);
  return readJsonBody(request);
}
