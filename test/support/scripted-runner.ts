// A CommandRunner for unit tests: answers each program run with the first matching rule and records every run.
import { CommandError, type CommandRunner } from '../../lib/exec/command.js';

export interface Call { command: string; args: readonly string[]; input?: string }

export class ScriptedRunner implements CommandRunner {
  readonly calls: Call[] = [];
  constructor(private readonly rules: Array<(call: Call) => string | Error | undefined>) {}
  async run(command: string, args: readonly string[], options?: { input?: string }): Promise<string> {
    const call = { command, args, ...(options?.input !== undefined ? { input: options.input } : {}) };
    this.calls.push(call);
    for (const rule of this.rules) {
      const answer = rule(call);
      if (answer instanceof Error) throw answer;
      if (answer !== undefined) return answer;
    }
    return '';
  }
  describe(): string[] {
    return this.calls.map((c) => [c.command, ...c.args.filter((a) => !a.startsWith('--net='))].join(' '));
  }
}

/** The error a program that exited 2 with this stderr produces. */
export const fail = (call: Call, stderr: string) => new CommandError(call.command, call.args, 2, stderr);
