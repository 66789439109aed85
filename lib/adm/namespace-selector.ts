// --selector: namespace names by label from the Kubernetes API server (lib/k8s), loaded only when asked for.
import { AdmError } from './errors.js';
import { messageOf } from '../errors.js';

export async function listNamespacesBySelector(selector: string, kubeconfig: string | undefined): Promise<string[]> {
  const k8s = await import('../k8s/index.js');
  let client;
  try {
    client = await k8s.loadKubeConfig(kubeconfig ? { kubeconfig } : {});
  } catch (error) {
    if (!(error instanceof k8s.KubeConfigError)) throw error;
    throw new AdmError(`--selector lists namespaces by label from the Kubernetes API server: ${error.message}. `
      + 'Give --kubeconfig (or KUBECONFIG), or name the namespaces instead of --selector');
  }
  try {
    const list = await client.core.listNamespace({ labelSelector: selector });
    return list.items.map((namespace) => namespace.metadata?.name ?? '').filter((name) => name !== '').sort();
  } catch (error) {
    throw new AdmError(`listing namespaces with --selector "${selector}" from ${client.server} failed: `
      + `${messageOf(error)}; check the selector and --kubeconfig`);
  }
}
