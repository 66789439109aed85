// rootfs/k8s-ovs.yaml: valid for a Kubernetes 1.34 API server (strict client-side validation), and consistent.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Cidr } from '../../../lib/net/ipv4.js';
import { parseNetworkConfig } from '../../../lib/sdn/config.js';
import { repoRoot } from '../../support/cluster.js';
import { type KubeObject, validateObject } from '../../support/kube-schema.js';
import { MANIFEST, type Workload, findObject, loadManifest, parseManifest } from '../../support/manifest.js';

const text = readFileSync(MANIFEST, 'utf8');
const objects = loadManifest();
const daemonSet = findObject<Workload>(objects, 'DaemonSet', 'k8s-ovs');
const etcd = findObject<Workload>(objects, 'Deployment', 'k8s-ovs-etcd3');
const configMap = findObject<{ data: Record<string, string> }>(objects, 'ConfigMap', 'k8s-ovs');
const validateText = (yaml: string) => parseManifest(yaml).flatMap(validateObject);

describe('the DaemonSet manifest (rootfs/k8s-ovs.yaml)', () => {
  describe('validated against the Kubernetes 1.34 OpenAPI schema, strictly', () => {
    it('holds only objects a 1.34 API server serves, each valid', () => {
      expect(objects.map((o) => `${String(o.apiVersion)} ${String(o.kind)}`)).to.have.members([
        'v1 ServiceAccount', 'rbac.authorization.k8s.io/v1 ClusterRole', 'rbac.authorization.k8s.io/v1 ClusterRoleBinding',
        'v1 ConfigMap', 'v1 Service', 'apps/v1 Deployment', 'apps/v1 DaemonSet']);
      expect(objects.flatMap(validateObject)).to.deep.equal([]);
    });

    it('fails on a misspelt field name, naming it and where it is', () => {
      expect(validateText(text.replace('hostNetwork: true\n      enableServiceLinks: false\n      serviceAccountName',
        'hostNetwrok: true\n      enableServiceLinks: false\n      serviceAccountName')))
        .to.deep.equal(['DaemonSet/k8s-ovs: /spec/template/spec: unknown field "hostNetwrok"']);
      expect(validateText(text.replace('mountPropagation: HostToContainer', 'mountPropogation: HostToContainer')))
        .to.deep.equal(['DaemonSet/k8s-ovs: /spec/template/spec/containers/0/volumeMounts/3: unknown field "mountPropogation"']);
      expect(validateText(text.replace('maxUnavailable: 1', 'maxUnavaliable: 1')))
        .to.deep.equal(['DaemonSet/k8s-ovs: /spec/updateStrategy/rollingUpdate: unknown field "maxUnavaliable"']);
    });

    it('fails on a wrong type, a missing required field and an API version no longer served', () => {
      expect(validateText(text.replace('replicas: 1', 'replicas: "1"'))).to.deep.equal(['Deployment/k8s-ovs-etcd3: /spec/replicas: Instance type "string" is invalid. Expected "integer", "null".']);
      const noSelector = parseManifest(text).map((o) => (o.kind === 'DaemonSet' ? { ...o, spec: { ...(o.spec as object), selector: undefined } } : o));
      expect(noSelector.flatMap(validateObject)).to.deep.equal(['DaemonSet/k8s-ovs: /spec: Instance does not have required property "selector".']);
      // The original k8s-ovs's DaemonSet API, removed in Kubernetes 1.16.
      const old: KubeObject = { ...daemonSet, apiVersion: 'extensions/v1beta1' };
      expect(validateObject(old)).to.deep.equal(['DaemonSet/k8s-ovs: extensions/v1beta1 DaemonSet is not served by Kubernetes 1.34 (no schema daemonset-extensions-v1beta1.json)']);
    });
  });

  describe('consistent with itself and the program', () => {
    const node = daemonSet.spec.template.spec;
    const daemon = node.containers[0]!;
    const envValue = (name: string) => daemon.env?.find((e) => e.name === name);

    it('lets the daemon only read namespaces, nodes, services, pods, NetworkPolicies and StatefulSets', () => {
      const role = findObject<{ rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> }>(objects, 'ClusterRole', 'k8s-ovs');
      expect(role.rules).to.deep.equal([
        { apiGroups: [''], resources: ['namespaces', 'nodes', 'services', 'pods'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['get', 'list', 'watch'] },
      ]);
      expect(node.serviceAccountName).to.equal('k8s-ovs');
    });

    it('replaces one node at a time, tolerates every taint, and keeps the daemon on the host network, privileged', () => {
      expect(daemonSet.spec.updateStrategy).to.deep.equal({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
      expect(node.tolerations).to.deep.include({ operator: 'Exists' });
      expect(node.hostNetwork).to.equal(true);
      expect(daemon.securityContext?.privileged).to.equal(true);
      expect(etcd.spec.strategy).to.deep.equal({ type: 'Recreate' });
    });

    it('probes /healthz and /readyz where the daemon serves them, on the node\'s loopback', () => {
      const metrics = envValue('K8S_OVS_METRICS_ADDRESS')?.value;
      expect(metrics).to.equal('127.0.0.1:9101');
      for (const [probe, pathName] of [[daemon.startupProbe, '/healthz'], [daemon.livenessProbe, '/healthz'], [daemon.readinessProbe, '/readyz']] as const) {
        expect(`${probe?.httpGet.host}:${probe?.httpGet.port}${probe?.httpGet.path}`).to.equal(`${metrics}${pathName}`);
      }
    });

    it('sets only daemon flags, from ConfigMap keys that exist, and seeds a valid network config', () => {
      for (const env of daemon.env ?? []) {
        expect(env.name, 'a K8S_OVS_ variable').to.match(/^K8S_OVS_[A-Z_]+$/);
        const ref = env.valueFrom?.configMapKeyRef;
        if (ref) expect(configMap.data, `${env.name} reads ${ref.key}`).to.have.property(ref.key);
      }
      const config = parseNetworkConfig(configMap.data.network_config!);
      const service = findObject<{ spec: { clusterIP: string; ports: Array<{ port: number }> } }>(objects, 'Service', 'k8s-ovs-etcd3');
      expect(config.serviceNetwork.contains(service.spec.clusterIP), 'the etcd Service is in the service network').to.equal(true);
      expect(configMap.data.etcd_endpoints).to.equal(`http://${service.spec.clusterIP}:${service.spec.ports[0]!.port}`);
      expect(Cidr.parse(config.network.toString()).contains(service.spec.clusterIP)).to.equal(false);
    });

    it('mounts only volumes it declares, and runs the image scripts/build-image.sh names by default', () => {
      const version = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
      for (const workload of [daemonSet, etcd]) {
        const pod = workload.spec.template.spec;
        const volumes = new Set((pod.volumes ?? []).map((v) => v.name));
        for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
          expect(container.image).to.equal(`localhost/k8s-ovs:${version}`);
          for (const mount of container.volumeMounts ?? []) expect(volumes, `${container.name} mounts ${mount.name}`).to.include(mount.name);
        }
      }
    });
  });
});
