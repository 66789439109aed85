// Finding the API server and its credentials, in the order the original k8s-ovs and kubectl look.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { AppsV1Api, CoreV1Api, KubeConfig, NetworkingV1Api } from '@kubernetes/client-node';

export type ClientNode = typeof import('@kubernetes/client-node');
let clientNode: Promise<ClientNode> | undefined;

/** client-node is loaded on first use: a daemon without an API server never carries it (about 65 MiB, a second of start). */
export function loadClientNode(): Promise<ClientNode> {
  clientNode ??= import('@kubernetes/client-node');
  return clientNode;
}

/** No usable API server configuration; the message names every source tried. */
export class KubeConfigError extends Error {
  override name = 'KubeConfigError';
}

export type KubeConfigSource = '--kubeconfig' | 'KUBECONFIG' | 'in-cluster' | 'KUBERNETES_MASTER' | 'given';

/** A client bound to one API server: what informers list and watch through. */
export class KubeClient {
  readonly server: string;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly networking: NetworkingV1Api;

  /** `clientNode` is the loaded @kubernetes/client-node module (loadClientNode). */
  constructor(readonly config: KubeConfig, readonly clientNode: ClientNode, readonly source: KubeConfigSource = 'given') {
    const cluster = config.getCurrentCluster();
    if (cluster === null) throw new KubeConfigError(`${source}: the current context "${config.getCurrentContext()}" names no cluster`);
    this.server = cluster.server;
    this.core = config.makeApiClient(clientNode.CoreV1Api);
    this.networking = config.makeApiClient(clientNode.NetworkingV1Api);
    this.apps = config.makeApiClient(clientNode.AppsV1Api);
  }

  /** A pod by name; null when the API server says it does not exist (404). */
  async readPod(namespace: string, name: string): Promise<unknown> {
    try {
      return await this.core.readNamespacedPod({ namespace, name });
    } catch (error) {
      if ((error as { code?: unknown }).code === 404) return null;
      throw error;
    }
  }
}

export interface KubeConfigOptions {
  /** The --kubeconfig flag: a kubeconfig file, used instead of any other source. */
  kubeconfig?: string;
  /** Directory standing in for / when looking for the service account (tests). */
  fsRoot?: string;
}

const serviceAccountToken = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** Whether any source names an API server; without one the daemon runs from etcd alone. */
export function kubernetesConfigured(options: KubeConfigOptions = {}): boolean {
  const env = process.env;
  return Boolean(options.kubeconfig || env.KUBECONFIG || env.KUBERNETES_MASTER
    || (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT));
}

/**
 * --kubeconfig, else $KUBECONFIG, else the pod's service account, else $KUBERNETES_MASTER (a URL,
 * no credentials, as the original k8s-ovs took it). A source that is set but broken is an error.
 */
export async function loadKubeConfig(options: KubeConfigOptions = {}): Promise<KubeClient> {
  const clientNode = await loadClientNode();
  const { config, source } = configFromSources(options, clientNode.KubeConfig);
  return new KubeClient(allowPlainHttp(config, clientNode.KubeConfig), clientNode, source);
}

function configFromSources(options: KubeConfigOptions, KubeConfig: ClientNode['KubeConfig']): { config: KubeConfig; source: KubeConfigSource } {
  const env = process.env;
  if (options.kubeconfig) return { config: fromFiles('--kubeconfig', [options.kubeconfig], KubeConfig), source: '--kubeconfig' };
  if (env.KUBECONFIG) {
    return { config: fromFiles('KUBECONFIG', env.KUBECONFIG.split(delimiter).filter((path) => path !== ''), KubeConfig), source: 'KUBECONFIG' };
  }
  const root = options.fsRoot ?? '';
  const tokenPath = join(root, serviceAccountToken);
  const inCluster = env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT;
  if (inCluster && existsSync(tokenPath)) {
    const config = new KubeConfig();
    config.loadFromCluster(root);
    return { config, source: 'in-cluster' };
  }
  if (env.KUBERNETES_MASTER) return { config: fromMasterUrl(env.KUBERNETES_MASTER, KubeConfig), source: 'KUBERNETES_MASTER' };
  const inClusterReason = inCluster ? `no token at ${tokenPath}` : 'KUBERNETES_SERVICE_HOST/PORT unset';
  throw new KubeConfigError('no Kubernetes API server configured: tried --kubeconfig (not given), KUBECONFIG (unset), '
    + `the in-cluster service account (${inClusterReason}), KUBERNETES_MASTER (unset)`);
}

function fromFiles(source: KubeConfigSource, paths: string[], KubeConfig: ClientNode['KubeConfig']): KubeConfig {
  const config = new KubeConfig();
  for (const [index, path] of paths.entries()) {
    try {
      if (index === 0) {
        config.loadFromFile(path);
      } else {
        // Later files add clusters, users and contexts; the first file's current context wins, as in kubectl.
        const more = new KubeConfig();
        more.loadFromFile(path);
        config.mergeConfig(more, true);
      }
    } catch (error) {
      throw new KubeConfigError(`${source}: cannot load kubeconfig ${path}: ${(error as Error).message}`, { cause: error });
    }
  }
  return config;
}

function fromMasterUrl(given: string, KubeConfig: ClientNode['KubeConfig']): KubeConfig {
  // The original k8s-ovs's sysconfig set a bare host:port (e.g. 127.0.0.1:11080): plain HTTP, as it meant.
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(given) ? given : `http://${given}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new KubeConfigError(`KUBERNETES_MASTER: "${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KubeConfigError(`KUBERNETES_MASTER: "${text}" is not an http:// or https:// URL`);
  }
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'kubernetes-master', server: text.replace(/\/+$/, ''), skipTLSVerify: false }],
    users: [{ name: 'anonymous' }],
    contexts: [{ name: 'kubernetes-master', cluster: 'kubernetes-master', user: 'anonymous' }],
    currentContext: 'kubernetes-master',
  });
  return config;
}

/**
 * client-node refuses an http: server unless skipTLSVerify is set, although there is no TLS
 * to verify; set it for plain-HTTP clusters (the insecure port the original k8s-ovs used).
 */
function allowPlainHttp(config: KubeConfig, KubeConfig: ClientNode['KubeConfig']): KubeConfig {
  if (!config.clusters.some((cluster) => cluster.server.startsWith('http:') && !cluster.skipTLSVerify)) return config;
  const fixed = new KubeConfig();
  fixed.loadFromOptions({
    clusters: config.clusters.map((cluster) => (cluster.server.startsWith('http:') ? { ...cluster, skipTLSVerify: true } : cluster)),
    users: config.users,
    contexts: config.contexts,
    currentContext: config.currentContext,
  });
  return fixed;
}
