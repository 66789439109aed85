// The Kubernetes API as k8s-ovs uses it: the only module that talks to @kubernetes/client-node (loaded on first use).
export { Backoff, type BackoffOptions } from './backoff.js';
export {
  Informer, InformerStoppedError, objectKey, type InformerHandlers, type InformerOptions,
} from './informer.js';
export { KubeClient, KubeConfigError, kubernetesConfigured, loadKubeConfig, type KubeConfigOptions, type KubeConfigSource } from './kubeconfig.js';
export { namespaces, nodes, pods, services, statefulSets, type KubeApis, type KubeResource, type Selectors } from './resources.js';
export {
  ViewError, parseNamespace, parseNode, parsePod, parseService, parseStatefulSet,
  type KubeNamespace, type KubeNode, type KubePod, type KubeService, type KubeStatefulSet, type ServicePort, type ServiceProtocol,
} from './views.js';
