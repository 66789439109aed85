// ovs-vswitchd's control socket (the one ovs-appctl uses): a kept connection, which closes the moment ovs-vswitchd
// exits, so a restart is noticed without polling (OVSDB does not show one: a restarted ovs-vswitchd writes no row that
// differs from what its predecessor wrote); and single commands without an ovs-appctl process.
import net from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { JsonStreamSplitter } from './ovsdb.js';

export interface VswitchdSession {
  readonly pid: number;
  /** Resolves when the connection ends: ovs-vswitchd exited (or closed it). */
  readonly closed: Promise<void>;
  close(): void;
}

/** ovs-vswitchd is not running, or did not answer on its control socket. */
export class VswitchdUnreachableError extends Error {
  override name = 'VswitchdUnreachableError';
}

/** ovs-vswitchd answered a command with an error (what ovs-appctl prints to stderr before exiting 2). */
export class VswitchdCommandError extends Error {
  override name = 'VswitchdCommandError';
}

/** ovs-vswitchd's pid from its pid file in `runDir`, or undefined while there is none. */
async function vswitchdPid(runDir: string): Promise<number | undefined> {
  const text = await readFile(path.join(runDir, 'ovs-vswitchd.pid'), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** The control socket (what `ovs-appctl -t` takes) of the ovs-vswitchd whose pid file is in `runDir`. */
export async function vswitchdControlSocket(runDir: string): Promise<{ pid: number; socketPath: string }> {
  const pid = await vswitchdPid(runDir);
  if (pid === undefined) throw new VswitchdUnreachableError(`ovs-vswitchd is not running (no pid file in ${runDir})`);
  return { pid, socketPath: path.join(runDir, `ovs-vswitchd.${pid}.ctl`) };
}

interface Control {
  pid: number;
  socketPath: string;
  socket: net.Socket;
}

interface Reply {
  result?: unknown;
  error?: unknown;
}

async function connect(runDir: string): Promise<Control> {
  const { pid, socketPath } = await vswitchdControlSocket(runDir);
  const socket = net.createConnection(socketPath);
  socket.setEncoding('utf8');
  return { pid, socketPath, socket };
}

/**
 * Sends one JSON-RPC request, as ovs-appctl does, and resolves with ovs-vswitchd's reply; the socket is left open and
 * its listeners removed. `label` names the request in the timeout's message.
 */
function request(control: Control, method: string, params: readonly string[], timeoutMs: number, label = method): Promise<Reply> {
  const { pid, socketPath, socket } = control;
  return new Promise<Reply>((resolve, reject) => {
    const splitter = new JsonStreamSplitter();
    let timer: NodeJS.Timeout | undefined;
    const finish = (settle: () => void): void => {
      clearTimeout(timer);
      socket.off('data', onData).off('error', onError).off('close', onClose);
      settle();
    };
    const onData = (chunk: string): void => {
      const [text] = splitter.push(chunk);
      if (text === undefined) return;
      finish(() => {
        try {
          resolve(JSON.parse(text) as Reply);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    };
    const onError = (error: Error): void =>
      finish(() => reject(new VswitchdUnreachableError(`cannot reach ovs-vswitchd at ${socketPath}: ${error.message}`)));
    const onClose = (): void =>
      finish(() => reject(new VswitchdUnreachableError(`ovs-vswitchd (pid ${pid}) closed its control socket before answering ${method}`)));
    timer = setTimeout(() => finish(() => reject(new VswitchdUnreachableError(
      `ovs-vswitchd (pid ${pid}) did not answer ${label ? `${label} ` : ''}within ${timeoutMs} ms`))), timeoutMs);
    socket.on('data', onData).on('error', onError).on('close', onClose);
    socket.once('connect', () => socket.write(JSON.stringify({ method, params: [...params], id: 0 })));
  });
}

/** Connects to the running ovs-vswitchd and waits for it to answer `version`, so the session is with a live process. */
export async function openVswitchdSession(runDir: string, timeoutMs = 5000): Promise<VswitchdSession> {
  const control = await connect(runDir);
  const { socket } = control;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  try {
    await request(control, 'version', [], timeoutMs, '');
  } catch (error) {
    socket.destroy();
    throw error;
  }
  // Nothing is asked after the first answer: the session only waits for the close; errors end it too.
  socket.on('error', () => socket.destroy());
  socket.unref();
  return { pid: control.pid, closed, close: () => socket.destroy() };
}

/**
 * Runs one ovs-appctl command (`dpctl/flush-conntrack`, …) over ovs-vswitchd's control socket, with the JSON-RPC
 * ovs-appctl itself speaks, and returns what ovs-appctl would print: no process per call, where the daemon's
 * DEL used to start two.
 */
export async function vswitchdCommand(runDir: string, command: string, args: readonly string[], timeoutMs = 30_000): Promise<string> {
  const control = await connect(runDir);
  try {
    const reply = await request(control, command, args, timeoutMs);
    if (reply.error !== null && reply.error !== undefined) {
      const message = typeof reply.error === 'string' ? reply.error : JSON.stringify(reply.error);
      throw new VswitchdCommandError(`ovs-appctl ${command} ${args.join(' ')} failed: ${message.trim()}`);
    }
    return typeof reply.result === 'string' ? reply.result : '';
  } finally {
    control.socket.destroy();
  }
}
