// Runs external programs; OVS and host-network modules take a CommandRunner.
import { execFile } from 'node:child_process';

export interface RunOptions {
  /** Text written to the program's standard input. */
  input?: string | undefined;
}

/** What the OVS and host-network modules need from the process layer; tests replace it. */
export interface CommandRunner {
  run(command: string, args: readonly string[], options?: RunOptions): Promise<string>;
}

/** A program exited non-zero or could not be started; carries what an operator needs to see. */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly exitCode: number | undefined,
    readonly stderr: string,
  ) {
    super(`${command} ${args.join(' ')} failed` +
      (exitCode === undefined ? '' : ` (exit ${exitCode})`) + (stderr ? `: ${stderr.trim()}` : ''));
  }
}

export interface LocalRunnerOptions {
  /** Run every command inside this network namespace (a path such as /var/run/netns/NAME). */
  netnsPath?: string;
  /** Extra environment, e.g. OVS_RUNDIR for a switch that is not the system one. */
  env?: Record<string, string>;
}

/** Output larger than this fails the run (dump-flows at the scale bench's 5,000 nodes is a few MB). */
const MAX_OUTPUT_BYTES = 256 * 2 ** 20;

/**
 * node:child_process rather than execa: each program run costs the daemon about 1 ms less (bench spawn probe,
 * /bin/true: 2.2 against 3.5 ms p50), and an ADD runs three.
 */
export function localRunner(options: LocalRunnerOptions = {}): CommandRunner {
  const env = options.env ? { ...process.env, ...options.env } : process.env;
  return {
    run(command, args, runOptions = {}) {
      const [file, argv] = options.netnsPath
        ? ['nsenter', [`--net=${options.netnsPath}`, command, ...args]]
        : [command, [...args]];
      return new Promise((resolve, reject) => {
        const child = execFile(file, argv, { env, maxBuffer: MAX_OUTPUT_BYTES, encoding: 'utf8' }, (error, stdout, stderr) => {
          if (!error) {
            resolve(stdout);
            return;
          }
          const exitCode = typeof error.code === 'number' ? error.code : undefined;
          reject(new CommandError(command, args, exitCode, stderr || error.message));
        });
        // A program that exits without reading its input must not fail the run with EPIPE; its exit status says it all.
        child.stdin?.on('error', () => undefined);
        child.stdin?.end(runOptions.input ?? '');
      });
    },
  };
}
