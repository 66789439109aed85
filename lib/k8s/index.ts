// The Kubernetes API as k8s-ovs uses it: the only module that talks to @kubernetes/client-node (loaded on first use).
export { Backoff, type BackoffOptions } from './backoff.js';
export {
  Informer, InformerStoppedError, objectKey, type InformerHandlers, type InformerOptions,
} from './informer.js';
export { KubeClient, KubeConfigError, kubernetesConfigured, loadKubeConfig, type KubeConfigOptions, type KubeConfigSource } from './kubeconfig.js';
export { namespaces, networkPolicies, nodes, pods, services, statefulSets, type KubeResource, type Selectors } from './resources.js';
export {
  parseNetworkPolicy, type KubeNetworkPolicy, type LabelRequirement, type LabelSelector, type PolicyPeer, type PolicyPort,
  type PolicyProtocol, type PolicyRule,
} from './network-policy.js';
export {
  ViewError, parseNamespace, parseNode, parsePod, parseService, parseStatefulSet,
  type KubeNamespace, type KubeNode, type KubePod, type KubeService, type KubeStatefulSet, type NamedPort, type ServicePort, type ServiceProtocol,
} from './views.js';
