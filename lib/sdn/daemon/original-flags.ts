// The original k8s-ovs's command line: the Go logging flags its unit and README pass, and flags it had that
// mean nothing here. They are accepted so its unit, wrapper and scripts start this daemon unchanged.
import type { Argv } from 'yargs';

export interface OriginalFlags {
  /** glog's verbosity: the original's unit and README pass --v=5. */
  v?: number;
  alsologtostderr?: boolean;
  logtostderr?: boolean;
  'docker-endpoints'?: string;
  log_dir?: string;
  stderrthreshold?: string;
  vmodule?: string;
  log_backtrace_at?: string;
}

/** Flags of the original that have no meaning here, and why: named in one warning at start. */
const OBSOLETE: Readonly<Record<string, string>> = {
  'docker-endpoints': 'pods are wired through CNI, Docker is never asked',
  log_dir: 'the log goes to stderr (the journal)',
  stderrthreshold: 'every level goes to stderr',
  vmodule: 'use --log-level',
  log_backtrace_at: 'there are no Go stack traces',
};

/** glog's convention: --v=4 and above is debug-level detail. */
const DEBUG_VERBOSITY = 4;

/** Declares the original's flags, hidden from --help, so strict parsing accepts them. */
export function withOriginalFlags<T>(parser: Argv<T>): Argv<T & OriginalFlags> {
  const hidden = { hidden: true, group: 'original k8s-ovs:' } as const;
  return parser
    .option('v', { ...hidden, type: 'number', describe: 'glog verbosity: 4 or more is --log-level=debug, less is info' })
    .option('alsologtostderr', { ...hidden, type: 'boolean', describe: 'accepted: the log always goes to stderr' })
    .option('logtostderr', { ...hidden, type: 'boolean', describe: 'accepted: the log always goes to stderr' })
    .option('docker-endpoints', { ...hidden, type: 'string' })
    .option('log_dir', { ...hidden, type: 'string' })
    .option('stderrthreshold', { ...hidden, type: 'string' })
    .option('vmodule', { ...hidden, type: 'string' })
    .option('log_backtrace_at', { ...hidden, type: 'string' }) as Argv<T & OriginalFlags>;
}

/**
 * The command line as the original's unit hands it over: systemd passes `${EMPTY}` as an empty argument
 * and `${K8S_OVS_ETCD_CA_CERT_KEY}` (three flags in one value) as one argument. Empty arguments are
 * dropped and an argument starting with `--` is split before each further `--flag` it holds.
 */
export function splitOriginalArguments(argv: readonly string[]): string[] {
  return argv.flatMap((arg) => {
    if (arg.trim() === '') return [];
    return arg.startsWith('--') ? arg.trim().split(/\s+(?=--[A-Za-z0-9])/) : [arg];
  });
}

export class OriginalFlagError extends Error {
  override name = 'OriginalFlagError';
}

export interface OriginalFlagOutcome {
  /** The log level the flags ask for: --log-level when given, else from --v, else info. */
  logLevel: string;
  /** One warning to log at start, if any flag was ignored. */
  warning?: { message: string; flags: Record<string, string> };
}

/** Maps --v onto a log level and collects the obsolete flags that were given. */
export function resolveOriginalFlags(flags: OriginalFlags & { 'log-level'?: string }): OriginalFlagOutcome {
  const { v } = flags;
  if (v !== undefined && !(Number.isInteger(v) && v >= 0)) {
    throw new OriginalFlagError(`--v: ${String(v)} is not a verbosity level (0, 1, 2, ...)`);
  }
  const fromVerbosity = v === undefined ? undefined : v >= DEBUG_VERBOSITY ? 'debug' : 'info';
  const ignored: Record<string, string> = {};
  for (const [flag, reason] of Object.entries(OBSOLETE)) {
    if (flags[flag as keyof OriginalFlags] !== undefined) ignored[`--${flag}`] = reason;
  }
  if (flags['log-level'] !== undefined && fromVerbosity !== undefined) {
    ignored['--v'] = `--log-level=${flags['log-level']} is given too and wins`;
  }
  const outcome: OriginalFlagOutcome = { logLevel: flags['log-level'] ?? fromVerbosity ?? 'info' };
  if (Object.keys(ignored).length) {
    outcome.warning = { message: 'ignoring flags of the original k8s-ovs that have no effect here', flags: ignored };
  }
  return outcome;
}
