// CNI_ARGS ("K=V;K=V") parsed into the pod reference, with the spec's IgnoreUnknown switch.
import { invalidEnvironment } from './errors.js';
import type { SandboxPod } from './types.js';

const KNOWN_KEYS = new Set([
  'IgnoreUnknown', 'K8S_POD_NAMESPACE', 'K8S_POD_NAME', 'K8S_POD_INFRA_CONTAINER_ID', 'K8S_POD_UID',
]);

export interface CniArgs {
  pod?: SandboxPod;
}

/** Unknown keys are rejected unless IgnoreUnknown=1|true, as in the reference plugins' LoadArgs. */
export function parseCniArgs(text: string | undefined): CniArgs {
  const values = new Map<string, string>();
  for (const pair of (text ?? '').split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw invalidEnvironment('CNI_ARGS', `has ${JSON.stringify(pair)}, which is not KEY=VALUE`);
    values.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const ignoreUnknown = parseBool(values.get('IgnoreUnknown'));
  if (!ignoreUnknown) {
    const unknown = [...values.keys()].filter((key) => !KNOWN_KEYS.has(key));
    if (unknown.length > 0) {
      throw invalidEnvironment('CNI_ARGS', `has unknown key(s) ${unknown.join(', ')} (set IgnoreUnknown=1 to allow)`);
    }
  }
  const namespace = values.get('K8S_POD_NAMESPACE') ?? '';
  const name = values.get('K8S_POD_NAME') ?? '';
  if (namespace === '' && name === '') return {};
  if (namespace === '' || name === '') {
    throw invalidEnvironment('CNI_ARGS', `names only half a pod (K8S_POD_NAMESPACE=${JSON.stringify(namespace)}, `
      + `K8S_POD_NAME=${JSON.stringify(name)})`);
  }
  const pod: SandboxPod = { namespace, name };
  const infra = values.get('K8S_POD_INFRA_CONTAINER_ID');
  const uid = values.get('K8S_POD_UID');
  if (infra) pod.infraContainerId = infra;
  if (uid) pod.uid = uid;
  return { pod };
}

function parseBool(value: string | undefined): boolean {
  if (value === undefined) return false;
  const lower = value.toLowerCase();
  if (lower === '1' || lower === 'true') return true;
  if (lower === '0' || lower === 'false') return false;
  throw invalidEnvironment('CNI_ARGS', `has IgnoreUnknown=${JSON.stringify(value)}, which is not 1/0/true/false`);
}
