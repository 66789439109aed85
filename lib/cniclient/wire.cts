// The CNI wire format shared by the plugin and the daemon: versions, error codes and the socket request.
// Node builtins only: the plugin binary loads this on every CNI call.

/**
 * Spec versions whose result shape we produce, oldest first: 0.1.0 and 0.2.0 (the original k8s-ovs's
 * config says 0.1.0) get `ip4` results, 0.3.0 and later `interfaces`/`ips`.
 */
export const SUPPORTED_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export type CniVersion = (typeof SUPPORTED_VERSIONS)[number];
export const LATEST_VERSION: CniVersion = '1.1.0';

export function isSupportedVersion(value: unknown): value is CniVersion {
  return typeof value === 'string' && (SUPPORTED_VERSIONS as readonly string[]).includes(value);
}

/** Well-known error codes of CNI spec 1.1 ("Error" section); 100+ are ours. */
export const CniErrorCode = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironment: 4,
  IoFailure: 5,
  DecodeFailure: 6,
  InvalidConfig: 7,
  TryAgainLater: 11,
  PluginNotAvailable: 50,
  PluginNotAvailableLimited: 51,
  /** The daemon failed in a way it did not classify; details carry its message. */
  Internal: 100,
  /** The fixed address (or MAC) a pod asked for is claimed by another pod. */
  AddressConflict: 101,
  /** A k8s.ovs.com/ annotation asks for an address that cannot be given (malformed, outside its pools, reserved). */
  InvalidAddressRequest: 102,
  /** Every address of the pool (or list) the pod asked for is claimed. */
  PoolExhausted: 103,
} as const;

/** The error object a plugin prints on stdout with a non-zero exit status. */
export interface CniErrorObject {
  cniVersion: string;
  code: number;
  msg: string;
  details?: string;
}

/** Only these variables cross the socket: the rest of the runtime's environment is not ours to read. */
export const FORWARDED_ENV = [
  'CNI_COMMAND',
  'CNI_CONTAINERID',
  'CNI_NETNS',
  'CNI_IFNAME',
  'CNI_ARGS',
  'CNI_PATH',
] as const;
export type ForwardedEnvName = (typeof FORWARDED_ENV)[number];

/**
 * The plugin's request: HTTP/1.1 `POST /cni/v1` over the unix socket, `Content-Type: application/json`.
 * `config` is the stdin text unchanged, so the daemon parses exactly what the runtime sent.
 * The daemon answers 200 with the stdout text (empty for DEL, CHECK, STATUS, GC), or a
 * non-2xx status with a CniErrorObject body.
 */
export interface WireRequest {
  env: Partial<Record<ForwardedEnvName, string>>;
  config: string;
}

export const WIRE_PATH = '/cni/v1';
export const DEFAULT_DAEMON_SOCKET = '/var/run/k8s-ovs/cni-server.sock';
/** The largest request body the daemon reads; network configs are a few KiB. */
export const MAX_REQUEST_BYTES = 1024 * 1024;

/** Config fields the plugin itself reads (the daemon ignores them). */
export const CONFIG_DAEMON_SOCKET = 'daemonSocket';
export const CONFIG_DAEMON_TIMEOUT = 'daemonTimeoutSeconds';

/** Seconds the plugin waits for the daemon; STATUS is a readiness probe and must answer fast. */
export function defaultTimeoutSeconds(command: string): number {
  return command === 'STATUS' ? 10 : 60;
}

export function errorObject(cniVersion: string, code: number, msg: string, details?: string): CniErrorObject {
  return details === undefined ? { cniVersion, code, msg } : { cniVersion, code, msg, details };
}

/** True when `value` has the shape of a CNI error object (a daemon answer we can print as is). */
export function isErrorObject(value: unknown): value is CniErrorObject {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.code === 'number' && typeof record.msg === 'string'
    && typeof record.cniVersion === 'string'
    && (record.details === undefined || typeof record.details === 'string');
}
