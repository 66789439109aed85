// rootfs/k8s-ovs.yaml as objects: what the unit test validates and the DaemonSet e2e runs, read, never copied.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from './cluster.js';
import type { KubeObject } from './kube-schema.js';

export const MANIFEST = path.join(repoRoot, 'rootfs', 'k8s-ovs.yaml');

/** Every document of a multi-document YAML text; a syntax error or a duplicate key throws, naming the document. */
export function parseManifest(text: string): KubeObject[] {
  return parseAllDocuments(text).flatMap((doc, index) => {
    if (doc.errors.length) throw new Error(`document ${index + 1}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as KubeObject | null;
    return value === null ? [] : [value];
  });
}

export function loadManifest(file = MANIFEST): KubeObject[] {
  return parseManifest(readFileSync(file, 'utf8'));
}

export function findObject<T = KubeObject>(objects: KubeObject[], kind: string, name: string): T {
  const found = objects.find((o) => o.kind === kind && o.metadata?.name === name);
  if (!found) throw new Error(`the manifest has no ${kind} ${name}`);
  return found as T;
}

/** The parts of a pod spec that the e2e's kubelet and the manifest checks read. */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { configMapKeyRef?: { name: string; key: string; optional?: boolean }; fieldRef?: { fieldPath: string } };
}

export interface HttpProbe {
  httpGet: { host?: string; port: number; path: string };
  periodSeconds?: number;
  failureThreshold?: number;
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  securityContext?: { privileged?: boolean };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean; mountPropagation?: string }>;
  startupProbe?: HttpProbe;
  livenessProbe?: HttpProbe;
  readinessProbe?: HttpProbe;
  resources?: { requests?: Record<string, string> };
}

export interface Volume {
  name: string;
  hostPath?: { path: string; type?: string };
  secret?: { secretName: string; optional?: boolean };
}

export interface PodSpec {
  hostNetwork?: boolean;
  enableServiceLinks?: boolean;
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
  tolerations?: Array<{ key?: string; operator?: string; effect?: string }>;
  initContainers?: Container[];
  containers: Container[];
  volumes?: Volume[];
}

export interface Workload extends KubeObject {
  metadata: { name: string; namespace?: string };
  spec: { template: { spec: PodSpec }; updateStrategy?: unknown; strategy?: unknown };
}
