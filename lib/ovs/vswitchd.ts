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
