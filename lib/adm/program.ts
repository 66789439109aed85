// The k8s-ovs-adm command line: global flags (etcd, from flags or K8S_OVS_* like the daemon) and the command groups.
import yargs from 'yargs';
import { type EtcdFlags, withEtcdFlags } from '../cli/etcd-flags.js';
import { packageVersion } from '../sdn/daemon/heartbeat.js';
import type { AdmEnvironment } from './context.js';
import { AdmError, UsageError } from './errors.js';
import { getCommand } from './get.js';
import { hostSubnetCommand } from './hostsubnet.js';
import { ipPoolCommand } from './ippool.js';
import { migrateCommand } from './migrate-command.js';
import { podNetworkCommand } from './pod-network.js';
import { statusCommand } from './status.js';
import { traceCommand } from './trace.js';
import { readEnvironmentFlags } from '../cli/environment.js';

/**
 * The daemon's K8S_OVS_* variables every command shares; others (K8S_OVS_HOSTNAME...) are the daemon's
 * alone and must not reach yargs, whose strict mode would reject them. trace reads K8S_OVS_OVS_RUNDIR itself.
 */
const SHARED_VARIABLES: ReadonlyArray<keyof EtcdFlags> = [
  'etcd-endpoints', 'etcd-prefix', 'network', 'etcd-cafile', 'etcd-certfile', 'etcd-keyfile', 'etcd-username', 'etcd-password',
];

/** Values of the etcd flags from K8S_OVS_ETCD_ENDPOINTS and the like (a flag on the command line wins). */
export function sharedEnvironment(variables: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(readEnvironmentFlags(variables, SHARED_VARIABLES).values);
}

const USAGE = `$0 <command> [options]

Administers a k8s-ovs network through etcd: tenant actions (VNIDs), node subnets, IP pools,
status, and packet traces through a node's br0. Reads the same etcd flags and K8S_OVS_* environment
as the k8s-ovs daemon.`;

/** Runs one command line and returns the exit status (0 ok, 1 failed, 2 usage error). */
export async function runAdm(argv: readonly string[], env: AdmEnvironment,
  variables: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  let status = 0;
  const done = (code: number) => { status = code; };
  const cli = withEtcdFlags(yargs([...argv]))
    .scriptName('k8s-ovs-adm')
    .usage(USAGE)
    .config(sharedEnvironment(variables))
    .command(podNetworkCommand(env, done))
    .command(getCommand(env, done))
    .command(hostSubnetCommand(env, done))
    .command(ipPoolCommand(env, done))
    .command(traceCommand(env, done, variables))
    .command(statusCommand(env, done))
    .command(migrateCommand)
    .demandCommand(1, 'name a command: pod-network, get, hostsubnet, ippool, trace, status or migrate')
    .example('$0 pod-network join-namespaces --to=red blue', 'blue takes red\'s VNID')
    .example('$0 get netnamespaces', '')
    .example('$0 status --etcd-endpoints http://10.0.0.1:2379', '')
    .epilogue('Each command has --help with examples. Docs: docs/admin-cli.md')
    .strict()
    .recommendCommands()
    .help()
    .alias('help', 'h')
    .version(packageVersion())
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .exitProcess(false)
    .fail((message, error) => {
      if (error) throw error;
      throw new UsageError(`${/^Did you mean/.test(message) ? `unknown command. ${message}` : message}\n(see: k8s-ovs-adm --help)`);
    });
  try {
    await cli.parseAsync();
    return status;
  } catch (error) {
    if (error instanceof AdmError) {
      env.err(`error: ${error.message}\n`);
      return error.exitCode;
    }
    env.err(`error: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}
