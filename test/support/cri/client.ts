// A minimal CRI RuntimeService client (runtime.v1) over gRPC: the pod sandbox calls a kubelet makes.
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { repoRoot } from '../cluster.js';

/** The .proto stays in the source tree (tsc copies no .proto into dist/). */
const PROTO = path.join(repoRoot, 'test', 'support', 'cri', 'runtime-v1.proto');

export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt?: number;
}

export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE';

export interface NamespaceOption {
  network?: NamespaceMode;
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
}

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname: string;
  logDirectory: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** hostNetwork is `namespaceOptions.network: 'NODE'`; a privileged container needs a privileged sandbox. */
  linux?: { securityContext: { namespaceOptions?: NamespaceOption; privileged?: boolean } };
}

export interface CriMount {
  containerPath: string;
  hostPath: string;
  readonly?: boolean;
  propagation?: 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
}

export interface ContainerConfig {
  metadata: { name: string; attempt?: number };
  image: { image: string };
  command?: string[];
  args?: string[];
  envs?: Array<{ key: string; value: string }>;
  mounts?: CriMount[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Relative to the sandbox's logDirectory. */
  logPath?: string;
  linux?: { securityContext: { privileged?: boolean; namespaceOptions?: NamespaceOption } };
}

export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export interface ContainerStatus {
  id: string;
  state: ContainerState;
  exitCode: number;
  reason: string;
  message: string;
  logPath: string;
}

export interface ExecSyncResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';

export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  createdAt: string;
  network: { ip: string; additionalIps: Array<{ ip: string }> } | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface PodSandboxStatusResponse {
  status: PodSandboxStatus;
  /** Only with verbose: JSON text per key (containerd: "info"). */
  info: Record<string, string>;
}

export interface PodSandboxSummary {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  annotations: Record<string, string>;
}

export interface RuntimeCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

export interface VersionResponse {
  version: string;
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

/** A CRI call failed; `code` is the gRPC status (e.g. 14 UNAVAILABLE while the runtime starts). */
export class CriError extends Error {
  override name = 'CriError';
  constructor(readonly method: string, readonly code: number | undefined, details: string) {
    super(`CRI ${method} failed${code === undefined ? '' : ` (gRPC ${grpc.status[code] ?? code})`}: ${details}`);
  }
}

type Unary = (request: object, metadata: grpc.Metadata, options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response: unknown) => void) => grpc.ClientUnaryCall;

let definition: grpc.GrpcObject | undefined;

function serviceConstructor(name: 'RuntimeService' | 'ImageService'): grpc.ServiceClientConstructor {
  definition ??= grpc.loadPackageDefinition(protoLoader.loadSync(PROTO, {
    keepCase: false, longs: String, enums: String, defaults: true, oneofs: false,
  }));
  const v1 = (definition.runtime as grpc.GrpcObject).v1 as grpc.GrpcObject;
  return v1[name] as grpc.ServiceClientConstructor;
}

export class CriRuntimeClient {
  private readonly runtime: grpc.Client;
  private readonly images: grpc.Client;

  /** `socketPath`: the runtime's gRPC unix socket, e.g. containerd's grpc.address. */
  constructor(readonly socketPath: string, private readonly timeoutMs = 60_000) {
    const address = `unix://${socketPath}`;
    this.runtime = new (serviceConstructor('RuntimeService'))(address, grpc.credentials.createInsecure());
    this.images = new (serviceConstructor('ImageService'))(address, grpc.credentials.createInsecure());
  }

  version(): Promise<VersionResponse> {
    return this.call(this.runtime, 'Version', { version: 'v1' }, 5_000);
  }

  /** RuntimeReady and NetworkReady, as kubelet polls them. */
  async conditions(): Promise<RuntimeCondition[]> {
    const response = await this.call<{ status: { conditions: RuntimeCondition[] } | null }>(this.runtime, 'Status', { verbose: false });
    return response.status?.conditions ?? [];
  }

  /** Whether the runtime holds `image` (a reference it normalises, or an ID). */
  async hasImage(image: string): Promise<boolean> {
    const response = await this.call<{ image: { id: string } | null }>(this.images, 'ImageStatus', { image: { image }, verbose: false });
    return Boolean(response.image?.id);
  }

  async runPodSandbox(config: PodSandboxConfig, runtimeHandler = ''): Promise<string> {
    const response = await this.call<{ podSandboxId: string }>(this.runtime, 'RunPodSandbox', { config, runtimeHandler });
    return response.podSandboxId;
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> {
    await this.call(this.runtime, 'StopPodSandbox', { podSandboxId });
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    await this.call(this.runtime, 'RemovePodSandbox', { podSandboxId });
  }

  podSandboxStatus(podSandboxId: string, verbose = false): Promise<PodSandboxStatusResponse> {
    return this.call(this.runtime, 'PodSandboxStatus', { podSandboxId, verbose });
  }

  /** CreateContainer in a sandbox; `sandboxConfig` must be the one the sandbox was run with. */
  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    const response = await this.call<{ containerId: string }>(this.runtime, 'CreateContainer', { podSandboxId, config, sandboxConfig });
    return response.containerId;
  }

  async startContainer(containerId: string): Promise<void> {
    await this.call(this.runtime, 'StartContainer', { containerId });
  }

  /** SIGTERM (the image's stop signal), then SIGKILL after `timeoutSeconds`: a kubelet's graceful stop. */
  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    await this.call(this.runtime, 'StopContainer', { containerId, timeout: timeoutSeconds }, (timeoutSeconds + 30) * 1000);
  }

  async removeContainer(containerId: string): Promise<void> {
    await this.call(this.runtime, 'RemoveContainer', { containerId });
  }

  async containerStatus(containerId: string): Promise<ContainerStatus> {
    const response = await this.call<{ status: ContainerStatus }>(this.runtime, 'ContainerStatus', { containerId, verbose: false });
    return response.status;
  }

  /** Runs `cmd` in a running container (kubectl exec's path), with the container's environment. */
  async execSync(containerId: string, cmd: string[], timeoutSeconds = 60): Promise<ExecSyncResult> {
    const response = await this.call<{ stdout: Buffer; stderr: Buffer; exitCode: number }>(this.runtime, 'ExecSync',
      { containerId, cmd, timeout: timeoutSeconds }, (timeoutSeconds + 10) * 1000);
    return { stdout: response.stdout.toString('utf8'), stderr: response.stderr.toString('utf8'), exitCode: response.exitCode };
  }

  async listPodSandbox(): Promise<PodSandboxSummary[]> {
    const response = await this.call<{ items: PodSandboxSummary[] }>(this.runtime, 'ListPodSandbox', {});
    return response.items;
  }

  close(): void {
    this.runtime.close();
    this.images.close();
  }

  private call<T>(client: grpc.Client, method: string, request: object, timeoutMs = this.timeoutMs): Promise<T> {
    const fn = (client as unknown as Record<string, Unary>)[method];
    if (!fn) throw new CriError(method, undefined, 'not in runtime-v1.proto');
    return new Promise((resolve, reject) => {
      fn.call(client, request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (error, response) => {
        if (error) reject(new CriError(method, error.code, error.details || error.message));
        else resolve(response as T);
      });
    });
  }
}
