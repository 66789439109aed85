// A list-watch cache of one resource as typed views, that survives API server outages and restarts.
import { isDeepStrictEqual } from 'node:util';
import type { KubeConfig, KubernetesObject, ListWatch, Watch } from '@kubernetes/client-node';
import { type Logger, silentLogger } from '../log.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import type { KubeClient } from './kubeconfig.js';
import type { KubeResource } from './resources.js';
import { ViewError } from './views.js';

/** Callbacks run synchronously, in the order the API server reported the changes. */
export interface InformerHandlers<T> {
  added?(object: T): void;
  /** Only when the view changed: a new resourceVersion alone is not an update. */
  updated?(object: T, previous: T): void;
  deleted?(object: T): void;
  /** After every complete list (the first, and each relist after a 410 or an outage), with all objects. */
  synced?(objects: T[]): void;
}

export interface InformerOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Delays between reconnection attempts (default 100 ms doubling to 5 s). */
  backoff?: BackoffOptions;
  logger?: Logger;
}

/** The informer was stopped before its first list completed. */
export class InformerStoppedError extends Error {
  override name = 'InformerStoppedError';
}

type ConnectionState = 'connecting' | 'connected' | 'lost';

interface Entry<T> {
  view: T;
  /** A name reused by a new object (deleted and re-created while we were away) is a delete and an add. */
  uid: string;
}

export function objectKey(name: string, namespace?: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** What the informer wants when ListWatch is about to (re)start a watch. */
type WatchStart = 'watch' | 'relist' | 'stop';

/** A 410 is the one error after which ListWatch drops its resourceVersion and relists. */
function expired(reason: string): Error {
  return Object.assign(new Error(reason), { statusCode: 410 });
}

interface WatchObserver {
  starting(): WatchStart;
  established(controller: AbortController): void;
  streamError(error: Error): void;
}

/**
 * client-node's Watch, observed: when a watch starts (the list before it is applied) and is established.
 * Declared here because Watch comes from client-node, which is loaded only once an API server is used.
 */
function observedWatch(Base: typeof Watch, config: KubeConfig, observer: WatchObserver): Watch {
  class ObservedWatch extends Base {
    override async watch(path: string, query: Record<string, string | number | boolean | undefined>,
      callback: (phase: string, object: unknown, event?: unknown) => void, done: (error: unknown) => void): Promise<AbortController> {
      const start = observer.starting();
      if (start !== 'watch') {
        const controller = new AbortController();
        // Later, so that ListWatch has stored this request before it handles the end.
        if (start === 'relist') setImmediate(() => done(expired('relisting after a watch ERROR event')));
        return controller;
      }
      let failed = false;
      let streamError: Error | null = null;
      const controller = await super.watch(path, query, (phase, object, event) => {
        // ListWatch acts on a 410 ERROR event only; it would ignore any other and rewatch at once, forever.
        const code = (object as { code?: unknown } | null)?.code;
        if (phase === 'ERROR' && code !== 410) {
          streamError = new Error(`watch ERROR event: ${JSON.stringify(object)}`);
          observer.streamError(streamError);
        }
        callback(phase, object, event);
      }, (error: unknown) => {
        failed ||= Boolean(error);
        done(error ?? streamError);
      });
      if (!failed) observer.established(controller);
      return controller;
    }
  }
  return new ObservedWatch(config);
}

export class Informer<T> {
  private readonly cache = new Map<string, Entry<T>>();
  private readonly listWatch: ListWatch<KubernetesObject>;
  private readonly backoff: Backoff;
  private readonly logger: Logger;
  private state: ConnectionState = 'connecting';

  /** Whether the last list or watch got through to the API server. */
  get connected(): boolean {
    return this.state === 'connected';
  }
  /** performance.now() of the last state change: monotonic, so a wall-clock jump does not distort backoff. */
  private since = performance.now();
  private listed = false;
  /** Set by a watch ERROR event such as "too large resource version": resuming cannot help. */
  private relistNeeded = false;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private watchRequest: AbortController | null = null;
  private synced = false;
  private markSynced!: () => void;
  private failSynced!: (error: Error) => void;
  private readonly firstSync = new Promise<void>((resolve, reject) => {
    this.markSynced = resolve;
    this.failSynced = reject;
  });

  constructor(
    private readonly client: KubeClient,
    private readonly resource: KubeResource<T>,
    private readonly handlers: InformerHandlers<T>,
    options: InformerOptions = {},
  ) {
    this.backoff = new Backoff(options.backoff);
    this.logger = (options.logger ?? silentLogger).child({ component: 'k8s', resource: resource.name });
    this.firstSync.catch(() => undefined);
    const selectors = { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector };
    const watch = observedWatch(client.clientNode.Watch, client.config, {
      starting: () => this.watchStarting(),
      established: (controller) => this.established(controller),
      streamError: () => { this.relistNeeded = true; },
    });
    this.listWatch = new client.clientNode.ListWatch(resource.path, watch, async () => {
      const list = await resource.list(client, selectors);
      this.listed = true;
      return list;
    }, false, options.labelSelector, options.fieldSelector);
    this.listWatch.on('add', (object) => this.upsert(object));
    this.listWatch.on('update', (object) => this.upsert(object));
    this.listWatch.on('delete', (object) => this.remove(object));
    this.listWatch.on('error', (error) => this.failed(error));
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  start(): void {
    this.connect();
  }

  /** Ends the watch; a caller still waiting in whenSynced gets InformerStoppedError. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.failSynced(new InformerStoppedError(`${this.resource.name} informer stopped`));
    await this.listWatch.stop();
    this.watchRequest?.abort();
  }

  /** Resolves after the first complete list. */
  whenSynced(): Promise<void> {
    return this.firstSync;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.cache.get(objectKey(name, namespace))?.view;
  }

  list(): T[] {
    return [...this.cache.values()].map((entry) => entry.view);
  }

  private connect(): void {
    this.restartTimer = null;
    if (this.stopped) return;
    // Resumes from the last resourceVersion; a 410 makes ListWatch relist, and that relist reports deletions.
    this.listWatch.start().catch((error: unknown) => this.failed(error));
  }

  /** Called as a watch is about to start, which is right after a list has been applied. */
  private watchStarting(): WatchStart {
    if (this.stopped) return 'stop';
    if (this.relistNeeded && !this.listed) {
      this.relistNeeded = false;
      return 'relist';
    }
    this.relistNeeded = false;
    if (this.listed) {
      this.listed = false;
      this.reachable();
      this.synced = true;
      this.markSynced();
      this.notify('synced', () => this.handlers.synced?.(this.list()));
    }
    return 'watch';
  }

  private established(controller: AbortController): void {
    if (this.stopped) {
      controller.abort();
      return;
    }
    this.watchRequest = controller;
    this.reachable();
  }

  /** A list or a watch got through: log a change of state, once. */
  private reachable(): void {
    if (this.state === 'lost') {
      this.logger.info('API server watch restored', { server: this.client.server, downMs: Math.round(performance.now() - this.since) });
    } else if (this.state === 'connecting') {
      this.logger.info('watching the API server', { server: this.client.server });
    }
    if (this.state !== 'connected') this.since = performance.now();
    this.state = 'connected';
  }

  private failed(error: unknown): void {
    if (this.stopped || this.restartTimer !== null) return;
    const now = performance.now();
    if (this.state !== 'lost') {
      const message = this.state === 'connected' ? 'API server watch lost; reconnecting' : 'cannot reach the API server; retrying';
      this.logger.warn(message, { server: this.client.server, error: describeError(error) });
      // A connection that held for a while recovered; one that keeps dropping at once keeps backing off.
      if (this.state === 'connected' && now - this.since >= this.backoff.ceilingMs) this.backoff.reset();
      this.state = 'lost';
      this.since = now;
    }
    this.restartTimer = setTimeout(() => this.connect(), this.backoff.next());
  }

  private upsert(object: KubernetesObject): void {
    const key = objectKey(object.metadata?.name ?? '', object.metadata?.namespace);
    const previous = this.cache.get(key);
    const view = this.parse(object, key);
    if (view === null) {
      if (previous) this.removeKey(key, previous);
      return;
    }
    const uid = object.metadata?.uid ?? '';
    this.cache.set(key, { view, uid });
    if (!previous) {
      this.notify('added', () => this.handlers.added?.(view));
    } else if (previous.uid !== uid) {
      this.notify('deleted', () => this.handlers.deleted?.(previous.view));
      this.notify('added', () => this.handlers.added?.(view));
    } else if (!isDeepStrictEqual(previous.view, view)) {
      this.notify('updated', () => this.handlers.updated?.(view, previous.view));
    }
  }

  private remove(object: KubernetesObject): void {
    const key = objectKey(object.metadata?.name ?? '', object.metadata?.namespace);
    const previous = this.cache.get(key);
    if (previous) this.removeKey(key, previous);
  }

  private removeKey(key: string, previous: Entry<T>): void {
    this.cache.delete(key);
    this.notify('deleted', () => this.handlers.deleted?.(previous.view));
  }

  private parse(object: KubernetesObject, key: string): T | null {
    try {
      return this.resource.parse(object);
    } catch (error) {
      if (!(error instanceof ViewError)) throw error;
      this.logger.warn('object ignored', { object: key, reason: error.message });
      return null;
    }
  }

  /** A handler's exception must not reach ListWatch: on a watch event it would be silently dropped. */
  private notify(event: string, run: () => void): void {
    try {
      run();
    } catch (error) {
      this.logger.error('informer handler failed', { event, error: describeError(error) });
    }
  }
}

/** One line for any error client-node reports (ApiException messages carry every header). */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'number') {
    const body = (error as { body?: { message?: unknown } }).body;
    return `HTTP ${code}${typeof body?.message === 'string' ? `: ${body.message}` : ''}`;
  }
  return error.message;
}
