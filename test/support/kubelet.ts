// A kubelet's part for one pod of a manifest: the pod spec turned into CRI calls on a node's containerd, as
// kubelet does it (sandbox, volumes, environment, init containers, containers, probes, graceful stop).
// It refuses what it does not implement rather than run a different pod than the manifest describes.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { waitUntil } from './cluster.js';
import type { NodeContainerd } from './containerd.js';
import type { ContainerConfig, CriMount, ExecSyncResult, PodSandboxConfig } from './cri/client.js';
import type { Container, EnvVar, HttpProbe, PodSpec } from './manifest.js';
import { execIn } from './sandbox/index.js';

/** What the node's kubelet knows besides the pod spec. */
export interface KubeletContext {
  containerd: NodeContainerd;
  nodeName: string;
  hostIP: string;
  /** ConfigMaps of the pod's namespace: name → data. */
  configMaps: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The `kubernetes` Service as pods see it (KUBERNETES_SERVICE_HOST/PORT). */
  kubernetesService: { host: string; port: number };
  /** ServiceAccount name → directory holding its token, ca.crt and namespace (the projected volume). */
  serviceAccounts: Readonly<Record<string, string>>;
}

const SERVICE_ACCOUNT_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
/** node:http, not fetch: fetch refuses some ports a kubelet probes (its "bad ports", e.g. 6665-6669). Exits 0 on 2xx/3xx. */
const HTTP_PROBE = `require('node:http').get(process.argv[1], { timeout: 5000 }, (r) => process.exit(r.statusCode >= 200 && r.statusCode < 400 ? 0 : 1))
  .on('error', () => process.exit(1)).on('timeout', () => process.exit(1));`;

/** $(VAR) references as kubelet expands them in env values, command and args; $$ escapes. */
export function expandReferences(text: string, env: ReadonlyMap<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name: string | undefined) =>
    (match === '$$' ? '$' : env.get(name!) ?? match));
}

export class ManifestPod {
  private constructor(
    private readonly context: KubeletContext,
    readonly name: string,
    readonly spec: PodSpec,
    readonly sandboxId: string,
    private readonly logDirectory: string,
    readonly containers: ReadonlyMap<string, string>,
  ) {}

  /** Runs the pod on the node: init containers to completion, one after the other, then the containers. */
  static async run(context: KubeletContext, namespace: string, name: string, spec: PodSpec): Promise<ManifestPod> {
    refuseUnsupported(spec);
    const { containerd } = context;
    const uid = randomUUID();
    const logDirectory = path.join(containerd.dir, 'pod-logs', `${namespace}_${name}_${uid}`);
    const privileged = [...(spec.initContainers ?? []), ...spec.containers].some((c) => c.securityContext?.privileged);
    const sandboxConfig: PodSandboxConfig = {
      metadata: { name, uid, namespace, attempt: 0 },
      // A host-network pod shares the node's UTS namespace: kubelet sets no hostname for it.
      hostname: spec.hostNetwork ? '' : name,
      logDirectory,
      labels: { 'io.kubernetes.pod.name': name, 'io.kubernetes.pod.namespace': namespace, 'io.kubernetes.pod.uid': uid },
      linux: { securityContext: { namespaceOptions: { network: spec.hostNetwork ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD' }, privileged } },
    };
    const sandboxId = await containerd.cri.runPodSandbox(sandboxConfig);
    const mounts = await volumeMounts(context, spec, path.join(containerd.dir, 'pod-volumes', uid));
    const containers = new Map<string, string>();
    const pod = new ManifestPod(context, name, spec, sandboxId, logDirectory, containers);
    const create = async (container: Container) => {
      const id = await containerd.cri.createContainer(sandboxId, containerConfig(context, namespace, name, spec, container, mounts), sandboxConfig);
      containers.set(container.name, id);
      await containerd.cri.startContainer(id);
      return id;
    };
    for (const init of spec.initContainers ?? []) {
      const id = await create(init);
      const status = await waitUntil(`init container ${init.name} of ${name} to finish`, async () => {
        const current = await containerd.cri.containerStatus(id);
        return current.state === 'CONTAINER_EXITED' ? current : undefined;
      }, 60_000, 100);
      if (status.exitCode !== 0) throw new Error(`init container ${init.name} of ${name} exited ${status.exitCode}: ${await pod.logs(init.name)}`);
    }
    for (const container of spec.containers) await create(container);
    return pod;
  }

  /** One probe of a container, as kubelet's prober sends it: an HTTP GET from the node; 200-399 pass. */
  async probe(container: string, kind: 'startupProbe' | 'livenessProbe' | 'readinessProbe'): Promise<boolean> {
    const probe: HttpProbe | undefined = this.spec.containers.find((c) => c.name === container)?.[kind];
    if (!probe) throw new Error(`container ${container} of ${this.name} has no ${kind}`);
    const { host, port, path: probePath } = probe.httpGet;
    const result = await execIn(this.context.containerd.node, process.execPath, ['-e', HTTP_PROBE, `http://${host ?? this.context.hostIP}:${port}${probePath}`],
      { reject: false, timeoutMs: 10_000 });
    return result.exitCode === 0;
  }

  /** Until the startup probe passes and then the readiness probe: the pod is Ready. */
  async waitReady(container: string, timeoutMs = 60_000): Promise<void> {
    const spec = this.spec.containers.find((c) => c.name === container);
    await waitUntil(`${this.name}/${container} to be ready`, async () =>
      (!spec?.startupProbe || await this.probe(container, 'startupProbe')) && this.probe(container, 'readinessProbe'), timeoutMs, 250)
      .catch(async (error: Error) => {
        throw new Error(`${error.message}\n--- ${container}'s log ends ---\n${(await this.logs(container)).split('\n').slice(-20).join('\n')}`);
      });
  }

  exec(container: string, cmd: string[], timeoutSeconds = 60): Promise<ExecSyncResult> {
    return this.context.containerd.cri.execSync(this.containerId(container), cmd, timeoutSeconds);
  }

  async logs(container: string): Promise<string> {
    return readFile(path.join(this.logDirectory, container, '0.log'), 'utf8').catch(() => '');
  }

  /** Deletion as kubelet carries it out: SIGTERM, terminationGracePeriodSeconds, SIGKILL; then the sandbox goes. */
  async stop(): Promise<void> {
    const { cri } = this.context.containerd;
    for (const id of this.containers.values()) await cri.stopContainer(id, this.spec.terminationGracePeriodSeconds ?? 30);
    await cri.stopPodSandbox(this.sandboxId);
    await cri.removePodSandbox(this.sandboxId);
  }

  private containerId(container: string): string {
    const id = this.containers.get(container);
    if (!id) throw new Error(`${this.name} has no container ${container}`);
    return id;
  }
}

function refuseUnsupported(spec: PodSpec): void {
  // status.podIP is the node's address only on the host network; CNI pods go through NodeContainerd.runPod.
  if (spec.hostNetwork !== true) throw new Error('this kubelet runs only host-network pods');
  // With service links kubelet would add variables for every Service in the namespace: not implemented.
  if (spec.enableServiceLinks !== false) throw new Error('this kubelet runs only pods with enableServiceLinks: false');
  for (const volume of spec.volumes ?? []) {
    if (!volume.hostPath && !volume.secret?.optional) throw new Error(`volume ${volume.name}: only hostPath and optional secrets are implemented`);
  }
}

/** Volume name → host path to mount, after kubelet's hostPath type checks. */
async function volumeMounts(context: KubeletContext, spec: PodSpec, volumeDir: string): Promise<Map<string, string>> {
  const view = context.containerd.view;
  if (!view) throw new Error('manifest pods need a node host view for their hostPath volumes');
  const sources = new Map<string, string>();
  for (const volume of spec.volumes ?? []) {
    if (volume.hostPath) {
      const { path: hostPath, type = '' } = volume.hostPath;
      const check: Record<string, string> = {
        DirectoryOrCreate: `mkdir -p "$1"`, FileOrCreate: `[ -e "$1" ] || : >"$1"`, Directory: `[ -d "$1" ]`, File: `[ -f "$1" ]`, Socket: `[ -S "$1" ]`, '': 'true',
      };
      if (!(type in check)) throw new Error(`volume ${volume.name}: hostPath type ${type} is not implemented`);
      const result = await view.exec('sh', ['-c', check[type]!, 'sh', hostPath], { reject: false });
      if (result.exitCode !== 0) throw new Error(`volume ${volume.name}: hostPath type check failed: ${hostPath} is not a ${type}`);
      sources.set(volume.name, hostPath);
    } else {
      // An optional Secret that does not exist is mounted as an empty directory.
      const empty = path.join(volumeDir, volume.name);
      await mkdir(empty, { recursive: true });
      sources.set(volume.name, empty);
    }
  }
  const account = spec.serviceAccountName ?? 'default';
  if (spec.automountServiceAccountToken !== false) {
    const tokenDir = context.serviceAccounts[account];
    if (!tokenDir) throw new Error(`no token for ServiceAccount ${account}`);
    sources.set(SERVICE_ACCOUNT_MOUNT, tokenDir);
  }
  return sources;
}

function containerConfig(context: KubeletContext, namespace: string, podName: string, spec: PodSpec, container: Container,
  sources: ReadonlyMap<string, string>): ContainerConfig {
  const env = containerEnv(context, namespace, podName, container.env ?? []);
  const mounts: CriMount[] = (container.volumeMounts ?? []).map((mount) => ({
    containerPath: mount.mountPath,
    hostPath: sources.get(mount.name) ?? (() => { throw new Error(`${container.name} mounts undeclared volume ${mount.name}`); })(),
    readonly: mount.readOnly ?? false,
    propagation: mount.mountPropagation === 'HostToContainer' ? 'PROPAGATION_HOST_TO_CONTAINER'
      : mount.mountPropagation === 'Bidirectional' ? 'PROPAGATION_BIDIRECTIONAL' : 'PROPAGATION_PRIVATE',
  }));
  const token = sources.get(SERVICE_ACCOUNT_MOUNT);
  if (token) mounts.push({ containerPath: SERVICE_ACCOUNT_MOUNT, hostPath: token, readonly: true });
  return {
    metadata: { name: container.name, attempt: 0 },
    image: { image: container.image },
    ...(container.command ? { command: container.command.map((c) => expandReferences(c, env)) } : {}),
    ...(container.args ? { args: container.args.map((a) => expandReferences(a, env)) } : {}),
    envs: [...env].map(([key, value]) => ({ key, value })),
    mounts,
    labels: { 'io.kubernetes.container.name': container.name, 'io.kubernetes.pod.name': podName, 'io.kubernetes.pod.namespace': namespace },
    logPath: path.join(container.name, '0.log'),
    linux: { securityContext: { privileged: container.securityContext?.privileged ?? false,
      namespaceOptions: { network: spec.hostNetwork ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
  };
}

function containerEnv(context: KubeletContext, namespace: string, podName: string, vars: readonly EnvVar[]): Map<string, string> {
  const { host, port } = context.kubernetesService;
  // The API server's Service is always announced, service links or not.
  const env = new Map<string, string>([
    ['KUBERNETES_SERVICE_HOST', host], ['KUBERNETES_SERVICE_PORT', String(port)], ['KUBERNETES_SERVICE_PORT_HTTPS', String(port)],
    ['KUBERNETES_PORT', `tcp://${host}:${port}`], [`KUBERNETES_PORT_${port}_TCP`, `tcp://${host}:${port}`],
    [`KUBERNETES_PORT_${port}_TCP_PROTO`, 'tcp'], [`KUBERNETES_PORT_${port}_TCP_PORT`, String(port)], [`KUBERNETES_PORT_${port}_TCP_ADDR`, host],
  ]);
  const fields: Record<string, string> = {
    'spec.nodeName': context.nodeName, 'status.hostIP': context.hostIP, 'status.podIP': context.hostIP,
    'metadata.name': podName, 'metadata.namespace': namespace,
  };
  for (const variable of vars) {
    const ref = variable.valueFrom?.configMapKeyRef;
    const field = variable.valueFrom?.fieldRef?.fieldPath;
    let value: string | undefined;
    if (variable.value !== undefined) value = expandReferences(variable.value, env);
    else if (ref) value = context.configMaps[ref.name]?.[ref.key];
    else if (field) value = fields[field];
    if (value === undefined && !(ref?.optional)) throw new Error(`env ${variable.name}: cannot resolve ${JSON.stringify(variable.valueFrom)}`);
    if (value !== undefined) env.set(variable.name, value);
  }
  return env;
}
