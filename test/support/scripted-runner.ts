// A CommandRunner for unit tests: answers each program run with the first matching rule and records every run.
import { CommandError, type CommandRunner, type RunOptions } from '../../lib/exec/command.js';

/** `input` is the whole text; `inputPieces` says in how many pieces an iterable input came. */
export interface Call { command: string; args: readonly string[]; input?: string; inputPieces?: number }

function recordedInput(input: RunOptions['input']): Pick<Call, 'input' | 'inputPieces'> {
  if (input === undefined) return {};
  if (typeof input === 'string') return { input };
  const pieces = [...input];
  return { input: pieces.join(''), inputPieces: pieces.length };
}

export class ScriptedRunner implements CommandRunner {
  readonly calls: Call[] = [];
  constructor(private readonly rules: Array<(call: Call) => string | Error | undefined>) {}
  async run(command: string, args: readonly string[], options?: RunOptions): Promise<string> {
    const call = { command, args, ...recordedInput(options?.input) };
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
