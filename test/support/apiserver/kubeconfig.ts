// Kubeconfigs that point a client at the test API server: plain HTTP, no credentials.
import { writeFile } from 'node:fs/promises';
import { KubeConfig } from '@kubernetes/client-node';

const contextName = 'k8s-ovs-test';

/** A KubeConfig whose current context talks to `serverUrl` without authentication. */
export function kubeConfigFor(serverUrl: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    // client-node refuses an http: server unless TLS verification is off; there is no TLS to verify.
    clusters: [{ name: contextName, server: serverUrl, skipTLSVerify: true }],
    users: [{ name: contextName }],
    contexts: [{ name: contextName, cluster: contextName, user: contextName }],
    currentContext: contextName,
  });
  return config;
}

/**
 * Writes a kubeconfig file for `serverUrl` that `KubeConfig.loadFromFile` and kubectl read.
 * It is JSON, which is also YAML; mode 0600 as kubectl expects of credentials files.
 */
export async function writeKubeconfig(path: string, serverUrl: string): Promise<void> {
  await writeFile(path, `${kubeConfigFor(serverUrl).exportConfig()}\n`, { mode: 0o600 });
}
