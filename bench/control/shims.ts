// Where an ADD's time goes inside the real daemon: timing shims in front of every program it runs.
import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { summarize, type Summary } from '../stats.js';

/** Programs the daemon runs on an ADD or DEL path (lib/ovs, lib/host, lib/sdn/node). */
const PROGRAMS = ['ovs-vsctl', 'ovs-ofctl', 'ovs-appctl', 'ip', 'nsenter', 'ethtool', 'iptables', 'sysctl'];

export interface CommandCall {
  startMs: number;
  endMs: number;
  /** e.g. "ovs-vsctl add-port", "nsenter ip", "ovs-ofctl bundle". */
  kind: string;
}

/**
 * Writes one bash shim per program into `dir`: it runs the real program and appends start and end
 * ($EPOCHREALTIME, no extra process) to `dir/calls.log`. Programs run by a shimmed nsenter are not
 * logged again: their time is the nsenter's.
 */
export async function writeShims(dir: string): Promise<{ pathPrefix: string; log: string }> {
  await mkdir(dir, { recursive: true });
  const log = path.join(dir, 'calls.log');
  for (const program of PROGRAMS) {
    const real = (await promisify(execFile)('bash', ['-c', `command -v ${program}`])).stdout.trim();
    const script = [
      '#!/bin/bash',
      `if [ -n "$KBN_SHIMMED" ]; then exec ${real} "$@"; fi`,
      'export KBN_SHIMMED=1',
      's=$EPOCHREALTIME',
      `${real} "$@"`,
      'rc=$?',
      `printf '%s %s %s\\n' "$s" "$EPOCHREALTIME" "${program} $*" >> ${log}`,
      'exit $rc',
      '',
    ].join('\n');
    await writeFile(path.join(dir, program), script);
    await chmod(path.join(dir, program), 0o755);
  }
  await writeFile(log, '');
  return { pathPrefix: dir, log };
}

/** The verb that tells calls of one program apart: the first argument that is not an option. */
function kindOf(line: string): string {
  const [program, ...args] = line.split(' ');
  const words = args.filter((a) => !a.startsWith('-') && !a.startsWith('OpenFlow'));
  if (program === 'nsenter') return `nsenter ${words[0] ?? ''} ${words[1] === '-batch' ? '' : words[1] ?? ''}`.trim();
  if (program === 'ip') return `ip ${words.slice(0, 2).join(' ')}`;
  return `${program} ${words[0] ?? ''}`.trim();
}

export async function readCalls(log: string): Promise<CommandCall[]> {
  const calls: CommandCall[] = [];
  for (const line of (await readFile(log, 'utf8')).split('\n')) {
    const match = /^(\d+\.\d+) (\d+\.\d+) (.*)$/.exec(line);
    if (!match) continue;
    calls.push({ startMs: Number(match[1]) * 1000, endMs: Number(match[2]) * 1000, kind: kindOf(match[3]!) });
  }
  return calls;
}

export interface OperationProfile {
  operations: number;
  /** End-to-end plugin time with the shims in place (slightly above the unshimmed figures). */
  totalMs: Summary;
  /** Time inside programs the daemon ran, per operation. */
  programsMs: Summary;
  /** Per kind of call: calls per operation and mean ms per call, sorted by time per operation. */
  byKind: Array<{ kind: string; perOperation: number; meanMs: number; msPerOperation: number }>;
  /** Mean ms per operation inside ovs-vsctl / ovs-ofctl (the OVS part). */
  ovsMsPerOperation: number;
}

/** Attributes each call to the operation whose wall-clock window contains it. */
export function profileOperations(windows: ReadonlyArray<{ startMs: number; endMs: number }>,
  calls: readonly CommandCall[]): OperationProfile {
  const perKind = new Map<string, { count: number; ms: number }>();
  const programTotals: number[] = [];
  let ovsMs = 0;
  for (const window of windows) {
    let inPrograms = 0;
    for (const call of calls) {
      if (call.startMs < window.startMs || call.endMs > window.endMs) continue;
      const ms = call.endMs - call.startMs;
      inPrograms += ms;
      if (call.kind.startsWith('ovs-vsctl') || call.kind.startsWith('ovs-ofctl')) ovsMs += ms;
      const entry = perKind.get(call.kind) ?? { count: 0, ms: 0 };
      entry.count += 1;
      entry.ms += ms;
      perKind.set(call.kind, entry);
    }
    programTotals.push(inPrograms);
  }
  const n = windows.length || 1;
  const byKind = [...perKind].map(([kind, { count, ms }]) => ({
    kind, perOperation: count / n, meanMs: ms / count, msPerOperation: ms / n,
  })).sort((a, b) => b.msPerOperation - a.msPerOperation);
  return {
    operations: windows.length,
    totalMs: summarize(windows.map((w) => w.endMs - w.startMs)),
    programsMs: summarize(programTotals),
    byKind,
    ovsMsPerOperation: ovsMs / n,
  };
}
