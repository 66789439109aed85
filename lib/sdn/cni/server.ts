// The daemon's CNI endpoint: a root-only unix socket that turns plugin requests into backend calls.
import { promises as fs } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { LATEST_VERSION, MAX_REQUEST_BYTES, WIRE_PATH } from '../../cniclient/wire.cjs';
import { silentLogger, type Logger } from '../../log.js';
import { ContainerQueue } from './container-queue.js';
import { CniError, CniErrorCode } from './errors.js';
import { parseWireRequest, requestVersion, type CniOperation } from './request.js';
import { renderResult } from './result.js';
import type { PodNetworkBackend } from './types.js';
import { errnoCode, messageOf } from '../../errors.js';

export interface CniServerOptions {
  socketPath: string;
  backend: PodNetworkBackend;
  logger?: Logger;
  /** Requests larger than this are refused with code 7; default 1 MiB. */
  maxRequestBytes?: number;
  /** Hears of every request once answered (command 'invalid' if unparsable); the daemon's metrics, kept out of this file. */
  observe?: (command: string, result: 'success' | 'error', seconds: number) => void;
}

/** The socket cannot be set up safely (directory permissions, a live daemon, a non-socket file). */
export class CniSocketError extends Error {
  override name = 'CniSocketError';
}

/** Codes that mean "your request is wrong" get HTTP 400; the plugin only looks at 200 or not. */
const REQUEST_ERRORS: ReadonlySet<number> = new Set([
  CniErrorCode.IncompatibleVersion, CniErrorCode.UnsupportedField, CniErrorCode.InvalidEnvironment,
  CniErrorCode.DecodeFailure, CniErrorCode.InvalidConfig,
]);

export class CniServer {
  private readonly queue = new ContainerQueue();
  private readonly logger: Logger;
  private readonly maxRequestBytes: number;
  private server: http.Server | undefined;

  constructor(private readonly options: CniServerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.maxRequestBytes = options.maxRequestBytes ?? MAX_REQUEST_BYTES;
  }

  async start(): Promise<void> {
    await prepareSocketDirectory(path.dirname(this.options.socketPath));
    await removeStaleSocket(this.options.socketPath);
    const server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // listen() binds at once: under umask 0177 the socket is 0600 from its first moment, not only once chmod runs.
      const umask = process.umask(0o177);
      try {
        server.listen(this.options.socketPath, () => {
          server.off('error', reject);
          resolve();
        });
      } finally {
        process.umask(umask);
      }
    });
    await fs.chmod(this.options.socketPath, 0o600);
    this.server = server;
    this.logger.info('CNI server listening', { socket: this.options.socketPath });
  }

  /** Stops accepting, lets running operations answer, and removes the socket. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
    await fs.rm(this.options.socketPath, { force: true });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== WIRE_PATH) {
      req.resume();
      reply(res, 404, new CniError(CniErrorCode.Internal, `no CNI endpoint at ${req.method} ${req.url}`)
        .toObject(LATEST_VERSION));
      return;
    }
    let body: string | undefined;
    try {
      body = await readBody(req, this.maxRequestBytes);
    } catch (err) {
      // The plugin went away mid-request (killed by the runtime); there is nobody to answer.
      this.logger.warn('CNI request aborted by the client', { error: messageOf(err) });
      res.destroy();
      return;
    }
    if (body === undefined) {
      reply(res, 413, new CniError(CniErrorCode.InvalidConfig,
        `request is larger than ${this.maxRequestBytes} bytes`).toObject(LATEST_VERSION));
      return;
    }
    const started = performance.now();
    let operation: CniOperation | undefined;
    try {
      operation = parseWireRequest(body);
      const stdout = await this.dispatch(operation);
      reply(res, 200, stdout);
      this.options.observe?.(operation.command, 'success', (performance.now() - started) / 1000);
      // Runtimes poll STATUS every few seconds; only real work is worth an info line.
      this.logger.log(operation.command === 'STATUS' ? 'debug' : 'info', `CNI ${operation.command}`,
        { ...logFields(operation), ms: Math.round(performance.now() - started) });
    } catch (err) {
      const error = err instanceof CniError ? err
        : new CniError(CniErrorCode.Internal, 'internal error in the k8s-ovs daemon', messageOf(err));
      reply(res, REQUEST_ERRORS.has(error.code) ? 400 : 500, error.toObject(requestVersion(body)));
      this.options.observe?.(operation?.command ?? 'invalid', 'error', (performance.now() - started) / 1000);
      this.logger.warn(`CNI ${operation?.command ?? 'request'} failed`, {
        ...(operation ? logFields(operation) : {}), code: error.code, error: error.message, ms: Math.round(performance.now() - started),
        ...(err instanceof Error && !(err instanceof CniError) ? { stack: err.stack } : {}),
      });
    }
  }

  /** Returns the plugin's stdout text. */
  private async dispatch(operation: CniOperation): Promise<string> {
    const backend = this.options.backend;
    switch (operation.command) {
      case 'ADD': {
        const { request } = operation;
        const attachment = await this.queue.run(request.containerId, () => backend.add(request));
        return JSON.stringify(renderResult(attachment, request.config.cniVersion)) + '\n';
      }
      case 'DEL':
        await this.queue.run(operation.request.containerId, () => backend.del(operation.request));
        return '';
      case 'CHECK':
        await this.queue.run(operation.request.containerId,
          () => backend.check(operation.request, operation.prevResult));
        return '';
      case 'STATUS':
        await backend.status();
        return '';
      case 'GC':
        await this.queue.runExclusive(() => backend.gc(operation.valid));
        return '';
    }
  }
}

function logFields(operation: CniOperation): Record<string, unknown> {
  if (operation.command === 'STATUS') return {};
  if (operation.command === 'GC') return { valid: operation.valid.length };
  const { request } = operation;
  return {
    containerId: request.containerId, ifname: request.ifname,
    ...(request.pod ? { namespace: request.pod.namespace, pod: request.pod.name } : {}),
  };
}

function reply(res: http.ServerResponse, status: number, body: string | object): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body) + '\n';
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The body as text, or undefined when it exceeds `max` (the rest is drained so the client sees our answer). */
async function readBody(req: http.IncomingMessage, max: number): Promise<string | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = declared > max;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) tooLarge = true;
    if (!tooLarge) chunks.push(chunk as Buffer);
  }
  return tooLarge ? undefined : Buffer.concat(chunks).toString('utf8');
}

/**
 * Creates the directory 0700. An existing one must be ours and writable by no one else: whoever may write in it
 * could replace the socket with their own. One others may only read (0755: what a package or a kubelet's hostPath
 * DirectoryOrCreate makes) is accepted and closed to 0700, since nobody else could have put anything into it.
 */
async function prepareSocketDirectory(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const stat = await fs.stat(dir);
  const uid = process.getuid?.();
  const mode = (stat.mode & 0o7777).toString(8).padStart(4, '0');
  const refuse = (problem: string, fix: string) =>
    new CniSocketError(`socket directory ${dir} ${problem} (mode ${mode}, owner uid ${stat.uid}): another user could replace `
      + `the CNI socket; ${fix}`);
  if (!stat.isDirectory()) throw new CniSocketError(`socket directory ${dir} is not a directory`);
  if (uid !== undefined && stat.uid !== uid) throw refuse(`is owned by uid ${stat.uid}, not by the daemon's uid ${uid}`, `chown ${uid} ${dir}`);
  const writable = [stat.mode & 0o020 ? 'group' : '', stat.mode & 0o002 ? 'others' : ''].filter(Boolean);
  if (writable.length) throw refuse(`is writable by ${writable.join(' and ')}`, `chmod go-w ${dir}, or use a dedicated directory`);
  if ((stat.mode & 0o077) !== 0) await fs.chmod(dir, 0o700);
}

/** A socket left by a dead daemon is removed; a live one, or a file that is not a socket, is not touched. */
async function removeStaleSocket(socketPath: string): Promise<void> {
  let stat;
  try {
    stat = await fs.lstat(socketPath);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  if (!stat.isSocket()) throw new CniSocketError(`${socketPath} exists and is not a socket; refusing to remove it`);
  const live = await new Promise<boolean>((resolve) => {
    const probe = net.connect(socketPath, () => {
      probe.destroy();
      resolve(true);
    });
    probe.on('error', () => resolve(false));
  });
  if (live) throw new CniSocketError(`${socketPath} is in use by another running daemon`);
  await fs.rm(socketPath, { force: true });
}
