// Entry point of /opt/cni/bin/k8s-ovs: stdin and CNI_* in, the daemon's answer on stdout.
import { readFileSync } from 'node:fs';
import { runPlugin } from './plugin.cjs';

/**
 * Read synchronously: process.stdin would load Node's stream and readline modules, a few ms of every call.
 * A non-blocking stdin (EAGAIN: the runtime gave us a non-blocking pipe) is read as a stream instead.
 */
async function readStdin(): Promise<string> {
  try {
    return readFileSync(0, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<void> {
  const outcome = await runPlugin(process.env, await readStdin());
  // exitCode rather than process.exit(): stdout may be a pipe that has not drained yet.
  process.stdout.write(outcome.stdout);
  process.exitCode = outcome.exitCode;
}

// Not a top-level await: this file is also bundled as CommonJS into the self-contained plugin (scripts/build-cni-plugin.sh).
void main();
