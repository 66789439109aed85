// A kept connection to ovs-vswitchd's control socket (the one ovs-appctl uses). It closes the moment
// ovs-vswitchd exits, so a restart is noticed without polling: OVSDB does not show one (a restarted
// ovs-vswitchd writes no row that differs from what its predecessor wrote).
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
export async function vswitchdPid(runDir: string): Promise<number | undefined> {
  const text = await readFile(path.join(runDir, 'ovs-vswitchd.pid'), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Connects to the running ovs-vswitchd and waits for it to answer `version`, so the session is with a live process. */
export async function openVswitchdSession(runDir: string, timeoutMs = 5000): Promise<VswitchdSession> {
  const pid = await vswitchdPid(runDir);
  if (pid === undefined) throw new VswitchdUnreachableError(`ovs-vswitchd is not running (no pid file in ${runDir})`);
  const socketPath = path.join(runDir, `ovs-vswitchd.${pid}.ctl`);
  const socket = net.createConnection(socketPath);
  socket.setEncoding('utf8');
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new VswitchdUnreachableError(`ovs-vswitchd (pid ${pid}) did not answer within ${timeoutMs} ms`)),
        timeoutMs);
      const splitter = new JsonStreamSplitter();
      socket.on('data', (chunk: string) => {
        if (splitter.push(chunk).length === 0) return;
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(new VswitchdUnreachableError(`cannot reach ovs-vswitchd at ${socketPath}: ${error.message}`));
      });
      socket.once('connect', () => socket.write(JSON.stringify({ method: 'version', params: [], id: 0 })));
    });
  } catch (error) {
    socket.destroy();
    throw error;
  }
  // Nothing is asked after the first answer: the session only waits for the close; errors end it too.
  socket.removeAllListeners('data');
  socket.on('error', () => socket.destroy());
  socket.unref();
  return { pid, closed, close: () => socket.destroy() };
}

/**
 * Runs one ovs-appctl command (`dpctl/flush-conntrack`, …) over ovs-vswitchd's control socket, with the JSON-RPC
 * ovs-appctl itself speaks, and returns what ovs-appctl would print: no process per call, where the daemon's
 * DEL used to start two.
 */
export async function vswitchdCommand(runDir: string, command: string, args: readonly string[], timeoutMs = 30_000): Promise<string> {
  const pid = await vswitchdPid(runDir);
  if (pid === undefined) throw new VswitchdUnreachableError(`ovs-vswitchd is not running (no pid file in ${runDir})`);
  const socketPath = path.join(runDir, `ovs-vswitchd.${pid}.ctl`);
  const socket = net.createConnection(socketPath);
  socket.setEncoding('utf8');
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new VswitchdUnreachableError(
        `ovs-vswitchd (pid ${pid}) did not answer ${command} within ${timeoutMs} ms`)), timeoutMs);
      const splitter = new JsonStreamSplitter();
      const settle = (outcome: () => string): void => {
        clearTimeout(timer);
        try {
          resolve(outcome());
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      };
      socket.on('data', (chunk: string) => {
        const [text] = splitter.push(chunk);
        if (text === undefined) return;
        settle(() => {
          const reply = JSON.parse(text) as { result?: unknown; error?: unknown };
          if (reply.error !== null && reply.error !== undefined) {
            const message = typeof reply.error === 'string' ? reply.error : JSON.stringify(reply.error);
            throw new VswitchdCommandError(`ovs-appctl ${command} ${args.join(' ')} failed: ${message.trim()}`);
          }
          return typeof reply.result === 'string' ? reply.result : '';
        });
      });
      socket.once('error', (error) => settle(() => {
        throw new VswitchdUnreachableError(`cannot reach ovs-vswitchd at ${socketPath}: ${error.message}`);
      }));
      socket.once('close', () => settle(() => {
        throw new VswitchdUnreachableError(`ovs-vswitchd (pid ${pid}) closed its control socket before answering ${command}`);
      }));
      socket.once('connect', () => socket.write(JSON.stringify({ method: command, params: [...args], id: 0 })));
    });
  } finally {
    socket.destroy();
  }
}
