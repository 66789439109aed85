// The thin CNI plugin: answers VERSION itself and relays every other command to the daemon's socket.
import {
  CONFIG_DAEMON_SOCKET, CONFIG_DAEMON_TIMEOUT, CniErrorCode, DEFAULT_DAEMON_SOCKET, FORWARDED_ENV,
  LATEST_VERSION, SUPPORTED_VERSIONS, WIRE_PATH, defaultTimeoutSeconds, errorObject, isErrorObject,
  isSupportedVersion, type WireRequest,
} from './wire.cjs';
import { PostError, unixPost } from './unix-post.cjs';

export interface PluginOutcome {
  exitCode: number;
  /** Printed to stdout as is: a result, a CNI error object, or nothing. */
  stdout: string;
}

type Env = Readonly<Record<string, string | undefined>>;

function failure(cniVersion: string, code: number, msg: string, details?: string): PluginOutcome {
  return { exitCode: 1, stdout: JSON.stringify(errorObject(cniVersion, code, msg, details)) + '\n' };
}

/** Runs one plugin invocation; never throws, every failure becomes a CNI error object. */
export async function runPlugin(env: Env, stdin: string): Promise<PluginOutcome> {
  const command = env.CNI_COMMAND ?? '';
  let config: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = stdin.trim() === '' ? undefined : JSON.parse(stdin);
    if (parsed !== undefined && (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))) {
      throw new Error('the network configuration is not a JSON object');
    }
    config = parsed as Record<string, unknown> | undefined;
  } catch (err) {
    if (command === 'VERSION') return versionAnswer(undefined);
    return failure(LATEST_VERSION, CniErrorCode.DecodeFailure, 'failed to decode network configuration',
      (err as Error).message);
  }
  if (command === 'VERSION') return versionAnswer(config?.cniVersion);

  const errorVersion = isSupportedVersion(config?.cniVersion) ? config.cniVersion : LATEST_VERSION;
  const socketPath = config?.[CONFIG_DAEMON_SOCKET] ?? DEFAULT_DAEMON_SOCKET;
  if (typeof socketPath !== 'string' || socketPath === '') {
    return failure(errorVersion, CniErrorCode.InvalidConfig,
      `${CONFIG_DAEMON_SOCKET}: ${JSON.stringify(socketPath)} is not a socket path`);
  }
  const timeoutSeconds = config?.[CONFIG_DAEMON_TIMEOUT] ?? defaultTimeoutSeconds(command);
  if (typeof timeoutSeconds !== 'number' || !(timeoutSeconds > 0)) {
    return failure(errorVersion, CniErrorCode.InvalidConfig,
      `${CONFIG_DAEMON_TIMEOUT}: ${JSON.stringify(timeoutSeconds)} is not a positive number of seconds`);
  }
  const request: WireRequest = { env: {}, config: stdin };
  for (const name of FORWARDED_ENV) {
    const value = env[name];
    if (value !== undefined) request.env[name] = value;
  }
  return relay(request, { socketPath, timeoutMs: timeoutSeconds * 1000, command, errorVersion });
}

/** Spec 1.1: VERSION echoes the requested cniVersion and needs no daemon. */
function versionAnswer(requested: unknown): PluginOutcome {
  const cniVersion = typeof requested === 'string' && requested !== '' ? requested : LATEST_VERSION;
  return { exitCode: 0, stdout: JSON.stringify({ cniVersion, supportedVersions: SUPPORTED_VERSIONS }) + '\n' };
}

interface RelayOptions {
  socketPath: string;
  timeoutMs: number;
  command: string;
  errorVersion: string;
}

async function relay(request: WireRequest, options: RelayOptions): Promise<PluginOutcome> {
  const post = unixPost(options.socketPath, WIRE_PATH, Buffer.from(JSON.stringify(request)));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<PluginOutcome>((resolve) => {
    timer = setTimeout(() => {
      post.abort();
      resolve(failure(options.errorVersion, CniErrorCode.TryAgainLater,
        `k8s-ovs daemon did not answer ${options.command} within ${options.timeoutMs / 1000} s`,
        `socket ${options.socketPath}; raise "${CONFIG_DAEMON_TIMEOUT}" in the network configuration if the node is slow`));
    }, options.timeoutMs);
  });
  const answered = post.answer.then(({ status, body }) => answer(status, body, options),
    (err: unknown) => unreachable(options, err instanceof PostError ? err : new PostError(String(err))));
  try {
    return await Promise.race([answered, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function answer(status: number, text: string, options: RelayOptions): PluginOutcome {
  if (status === 200) return { exitCode: 0, stdout: text };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (isErrorObject(parsed)) return { exitCode: 1, stdout: JSON.stringify(parsed) + '\n' };
  return failure(options.errorVersion, CniErrorCode.IoFailure,
    `unexpected answer from k8s-ovs daemon (HTTP ${status})`, text.slice(0, 500));
}

/**
 * A missing or refusing socket means the daemon is not running (yet): 11 asks the runtime to retry,
 * and for STATUS it is 50, the spec's "plugin not available". Other socket errors are I/O failures.
 */
function unreachable(options: RelayOptions, err: PostError): PluginOutcome {
  const details = `socket ${options.socketPath}: ${err.code ?? ''} ${err.message}`.trim();
  if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
    return options.command === 'STATUS'
      ? failure(options.errorVersion, CniErrorCode.PluginNotAvailable, 'k8s-ovs daemon is not running', details)
      : failure(options.errorVersion, CniErrorCode.TryAgainLater, 'k8s-ovs daemon is not running', details);
  }
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
    return failure(options.errorVersion, CniErrorCode.TryAgainLater,
      'k8s-ovs daemon closed the connection (restarting?)', details);
  }
  return failure(options.errorVersion, CniErrorCode.IoFailure, 'cannot talk to k8s-ovs daemon', details);
}
