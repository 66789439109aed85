// A hostile tenant's tools in the sandbox: packets crafted from inside its pod, and the victim's listener.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot, waitUntil } from './cluster.js';
import type { NetnsHandle, PodNetns, Sandbox } from './sandbox/index.js';

const TOOLS = path.join(repoRoot, 'test', 'support', 'attack');

/** One frame the victim's namespace received, as test/support/attack/sniff.py parsed it. */
export interface SniffedFrame {
  ifname: string;
  src: string;
  dst: string;
  type: string;
  vlans?: number[];
  arp?: { op: number; sha: string; spa: string; tpa: string };
  ip?: { src: string; dst: string; proto: number; offset: number; more: boolean; sport?: number; dport?: number };
  ip6?: { src: string; dst: string; next: number };
  tokens?: string[];
}

/** Records every frame that arrives in a namespace (raw socket), for tests that assert what must never arrive. */
export class Sniffer {
  private constructor(readonly where: NetnsHandle, private readonly file: string) {}

  static async start(sandbox: Sandbox, where: NetnsHandle): Promise<Sniffer> {
    const file = path.join(sandbox.runDir, `sniffed-${where.netns}.jsonl`);
    await sandbox.startProcess(where, 'python3', [path.join(TOOLS, 'sniff.py'), file]);
    await waitUntil(`the sniffer in ${where.netns}`, async () => (await readFile(file).then(() => true, () => false)), 10_000, 50);
    return new Sniffer(where, file);
  }

  async frames(): Promise<SniffedFrame[]> {
    const text = await readFile(this.file, 'utf8');
    return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as SniffedFrame);
  }

  /** The frames received so far that match. */
  async received(match: (frame: SniffedFrame) => boolean): Promise<SniffedFrame[]> {
    return (await this.frames()).filter(match);
  }
}

/** Frames carrying this token, or IPv4 from this source: what an attack test must never see arrive. */
export const carrying = (token: string) => (frame: SniffedFrame) => frame.tokens?.includes(token) ?? false;
export const from = (ip: string) => (frame: SniffedFrame) => frame.ip?.src === ip || frame.arp?.spa === ip;

/** Runs test/support/attack/craft.py inside the attacker's pod; returns what it says it sent. */
export async function craft(pod: PodNetns, command: string, ...args: Array<string | number>): Promise<string> {
  const result = await pod.exec('python3', [path.join(TOOLS, 'craft.py'), command, ...args.map(String)]);
  return result.stdout.trim();
}
