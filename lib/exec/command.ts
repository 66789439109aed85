// Runs external programs (the single execa user); OVS and host-network modules take a CommandRunner.
import { execa } from 'execa';

export interface RunOptions {
  /**
   * Text written to the program's standard input; pieces from an iterable are written as the program reads
   * them, so a large input (a restart's 45,000 flows) never exists as one string.
   */
  input?: string | Iterable<string> | undefined;
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

export function localRunner(options: LocalRunnerOptions = {}): CommandRunner {
  return {
    async run(command, args, runOptions = {}) {
      const [file, argv] = options.netnsPath
        ? ['nsenter', [`--net=${options.netnsPath}`, command, ...args]]
        : [command, [...args]];
      const result = await execa(file, argv, {
        ...(typeof runOptions.input === 'string' ? { input: runOptions.input }
          : runOptions.input !== undefined ? { stdin: runOptions.input } : {}),
        ...(options.env ? { env: options.env } : {}),
        reject: false,
        stripFinalNewline: false,
      });
      if (result.exitCode !== 0 || result.failed) {
        throw new CommandError(command, args, result.exitCode,
          String(result.stderr || result.shortMessage || ''));
      }
      return String(result.stdout);
    },
  };
}
