// Whether the API server has a Node named as this daemon: with a wrong name the node's pod list is empty,
// and reclaiming against it would take down every running pod.
import { type BackoffOptions, Informer, type KubeClient, type KubeNode, nodes } from '../../k8s/index.js';
import { type Logger, silentLogger } from '../../log.js';

export interface OwnNodeOptions {
  nodeName: string;
  /** Called when the Node is seen after being missing (or before its first list). */
  found?(): void;
  informerBackoff?: BackoffOptions;
  logger?: Logger;
}

export class OwnNode {
  private readonly informer: Informer<KubeNode>;
  private readonly log: Logger;
  private missingReported = false;

  constructor(client: KubeClient, private readonly options: OwnNodeOptions) {
    this.log = (options.logger ?? silentLogger).child({ component: 'own-node', node: options.nodeName });
    this.informer = new Informer(client, nodes, {
      added: () => this.appeared(),
      deleted: () => this.missing('the Node was deleted'),
      synced: (listed) => (listed.length ? this.appeared() : this.missing('the API server lists no Node of this name')),
    }, { fieldSelector: `metadata.name=${options.nodeName}`, logger: options.logger, backoff: options.informerBackoff });
  }

  /** True once the API server has listed the Node, and while it exists. */
  get known(): boolean {
    return this.informer.get(this.options.nodeName) !== undefined;
  }

  get connected(): boolean {
    return this.informer.connected;
  }

  start(): void {
    this.informer.start();
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }

  whenSynced(): Promise<void> {
    return this.informer.whenSynced();
  }

  private appeared(): void {
    if (this.missingReported) this.log.info('the API server now has this Node; pods of vanished containers are reclaimed again');
    this.missingReported = false;
    this.options.found?.();
  }

  private missing(why: string): void {
    if (this.missingReported) return;
    this.missingReported = true;
    this.log.error(`no Kubernetes Node named "${this.options.nodeName}": this node's pods are never reclaimed until there is`, {
      why,
      hint: 'the Node name is --hostname (HOSTNAME="--hostname=..." in the original sysconfig), else the host name, trimmed '
        + 'and lower-cased; it must equal the kubelet\'s Node name (kubectl get nodes)',
    });
  }
}
