// One watch response: newline-delimited JSON events over a chunked HTTP body, as the real server streams them.
import type { ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';
import type { ObjectStore } from './object-store.js';
import type { Selection } from './query.js';
import { selects } from './query.js';
import { type ResourceDescriptor, apiVersionOf } from './resources.js';
import type { ChangeEvent, JsonObject, KubeObject, WatchEventType } from './types.js';
import { cloneJson } from './types.js';

export interface WatchRequest {
  descriptor: ResourceDescriptor;
  namespace?: string;
  selection: Selection;
  /** Resume after this revision; undefined (unset or "0") starts with the current state. */
  resourceVersion?: number;
  sendInitialEvents: boolean;
  allowBookmarks: boolean;
  timeoutSeconds?: number;
}

/** The annotation that ends the initial events of a `sendInitialEvents` watch (KEP-3157). */
const initialEventsEnd = 'k8s.io/initial-events-end';

export class WatchStream {
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe: () => void = () => undefined;

  constructor(
    private readonly response: ServerResponse,
    private readonly request: WatchRequest,
    private readonly store: ObjectStore,
    private readonly bookmarkIntervalMs: number,
  ) {}

  get resource(): string {
    return this.request.descriptor.resource;
  }

  /** Sends the backlog, then follows the store; `onClose` runs once the response is over. */
  start(onClose: () => void): void {
    this.response.on('close', () => {
      this.stopFollowing();
      onClose();
    });
    this.response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    // Headers go out now: a client waits for them before it counts the watch as established.
    this.response.flushHeaders();
    const backlog = this.backlog();
    if (backlog instanceof ApiError) {
      // Like the real watch cache, a watch that cannot start is a 200 stream with one ERROR event.
      this.send('ERROR', backlog.toStatus());
      void this.close();
      return;
    }
    for (const [type, object] of backlog) this.send(type, object);
    if (this.request.sendInitialEvents && this.request.allowBookmarks) this.sendBookmark(true);
    this.unsubscribe = this.store.subscribe((event) => this.forward(event));
    if (this.request.allowBookmarks) {
      this.timers.push(setInterval(() => this.sendBookmark(false), this.bookmarkIntervalMs));
    }
    if (this.request.timeoutSeconds !== undefined) {
      this.timers.push(setTimeout(() => void this.close(), this.request.timeoutSeconds * 1000));
    }
  }

  /** Ends the stream cleanly, as the server does when a watch times out; resolves once it is sent. */
  close(): Promise<void> {
    this.stopFollowing();
    return new Promise((resolve) => {
      if (this.response.writableFinished || this.response.destroyed) return resolve();
      this.response.once('finish', () => resolve());
      this.response.once('close', () => resolve());
      if (!this.response.writableEnded) this.response.end();
    });
  }

  private stopFollowing(): void {
    this.unsubscribe();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.length = 0;
  }

  private backlog(): [WatchEventType, KubeObject][] | ApiError {
    const { descriptor, namespace, resourceVersion, sendInitialEvents } = this.request;
    const current = this.store.currentRevision;
    if (resourceVersion !== undefined && resourceVersion > current) {
      return ApiError.tooLargeResourceVersion(resourceVersion, current);
    }
    if (resourceVersion === undefined || sendInitialEvents) {
      return this.store
        .list(descriptor.resource, namespace)
        .filter((object) => this.selects(object))
        .map((object): [WatchEventType, KubeObject] => ['ADDED', object]);
    }
    let changes: ChangeEvent[];
    try {
      changes = this.store.changesSince(resourceVersion);
    } catch (error) {
      if (error instanceof ApiError) return error;
      throw error;
    }
    return changes.map((event) => this.translate(event)).filter((event) => event !== undefined);
  }

  private forward(event: ChangeEvent): void {
    const translated = this.translate(event);
    if (translated) this.send(...translated);
  }

  /**
   * What this watcher sees of a change: an object that starts or stops matching the
   * selectors appears as ADDED or DELETED, as the real server's cache watcher reports it.
   */
  private translate(event: ChangeEvent): [WatchEventType, KubeObject] | undefined {
    if (event.resource !== this.request.descriptor.resource) return undefined;
    const now = this.selects(event.object);
    const before = event.previous !== undefined && this.selects(event.previous);
    switch (event.type) {
      case 'ADDED':
        return now ? ['ADDED', event.object] : undefined;
      case 'DELETED':
        return now ? ['DELETED', event.object] : undefined;
      case 'MODIFIED':
        if (now) return [before ? 'MODIFIED' : 'ADDED', event.object];
        if (!before) return undefined;
        // Leaving the selection: the last state that matched, at the new resourceVersion.
        return ['DELETED', withResourceVersion(event.previous!, event.object.metadata.resourceVersion)];
    }
  }

  private selects(object: KubeObject): boolean {
    const { descriptor, selection, namespace } = this.request;
    return selects(descriptor, selection, namespace, object);
  }

  private sendBookmark(endsInitialEvents: boolean): void {
    const metadata: JsonObject = { resourceVersion: String(this.store.currentRevision) };
    if (endsInitialEvents) metadata.annotations = { [initialEventsEnd]: 'true' };
    this.send('BOOKMARK', { kind: this.request.descriptor.kind, apiVersion: apiVersionOf(this.request.descriptor), metadata });
  }

  private send(type: WatchEventType, object: JsonObject): void {
    if (!this.response.writableEnded) this.response.write(`${JSON.stringify({ type, object })}\n`);
  }
}

function withResourceVersion(object: KubeObject, resourceVersion: string): KubeObject {
  const copy = cloneJson(object);
  copy.metadata.resourceVersion = resourceVersion;
  return copy;
}
