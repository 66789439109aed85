// `k8s-ovs-adm pod-network join-namespaces|isolate-namespaces|make-namespaces-global`: tenant actions.
import type { Argv, CommandModule } from 'yargs';
import type { EtcdFlags } from '../cli/etcd-flags.js';
import type { AdmEnvironment, Cluster } from './context.js';
import { withCluster } from './context.js';
import { readNetNamespaces } from './inventory.js';
import { renderTable } from './table.js';
import {
  type RequestOutcome, type SubmittedRequest, type TenantActionName, type TenantRequest,
  awaitTenantRequests, planTenantRequests, submitTenantRequests,
} from './tenant-requests.js';

interface PodNetworkFlags extends EtcdFlags {
  namespaces: string[];
  to?: string;
  selector?: string;
  kubeconfig?: string;
  timeout: number;
  wait: boolean;
}

const ACTIONS: ReadonlyArray<{ command: string; action: TenantActionName; describe: string; example: string }> = [
  { command: 'join-namespaces', action: 'join', example: 'join-namespaces --to=red blue green',
    describe: 'give the namespaces the VNID of --to, so their pods reach each other' },
  { command: 'isolate-namespaces', action: 'isolate', example: 'isolate-namespaces blue',
    describe: 'give each namespace a VNID of its own (a fresh one if it shares or is global)' },
  { command: 'make-namespaces-global', action: 'global', example: 'make-namespaces-global monitoring',
    describe: 'give the namespaces VNID 0: they reach and are reached by every namespace' },
];

export function podNetworkCommand(env: AdmEnvironment, done: (code: number) => void): CommandModule {
  return {
    command: 'pod-network',
    describe: 'join, isolate or make namespaces global (changes their VNIDs)',
    builder: (yargs: Argv) => {
      let next = yargs;
      for (const spec of ACTIONS) {
        next = next.command({
          command: `${spec.command} [namespaces..]`,
          describe: spec.describe,
          builder: (y: Argv) => actionOptions(y, spec.action)
            .example(`$0 pod-network ${spec.example}`, '')
            .example(`$0 pod-network ${spec.command}${spec.action === 'join' ? ' --to=red' : ''} --selector team=web --kubeconfig ~/.kube/config`, '')
            .example(`$0 pod-network ${spec.example} --no-wait`, 'only submit; the master applies it shortly'),
          handler: async (args) => done(await runTenantAction(env, spec.action, args as unknown as PodNetworkFlags)),
        });
      }
      for (const spec of ACTIONS) next = next.example(`$0 pod-network ${spec.example}`, '');
      return next.demandCommand(1, 'name a pod-network command: join-namespaces, isolate-namespaces or make-namespaces-global');
    },
    handler: () => undefined,
  };
}

function actionOptions(yargs: Argv, action: TenantActionName): Argv {
  return yargs
    .positional('namespaces', { type: 'string', array: true, default: [], describe: 'namespaces to change' })
    .option('to', { type: 'string', hidden: action !== 'join', describe: 'the namespace to join (join-namespaces only)' })
    .option('selector', { alias: 'l', type: 'string',
      describe: 'also change the namespaces with these labels (e.g. team=web); needs the Kubernetes API server' })
    .option('kubeconfig', { type: 'string', describe: 'kubeconfig for --selector (default: KUBECONFIG, in-cluster, KUBERNETES_MASTER)' })
    .option('timeout', { type: 'number', default: 30, describe: 'seconds to wait for the master to apply the change' })
    .option('wait', { type: 'boolean', default: true, describe: 'wait for the master (--no-wait only submits)' });
}

/** The exit status: 0 when every namespace got its new VNID (or, with --no-wait, was submitted). */
export async function runTenantAction(env: AdmEnvironment, action: TenantActionName, flags: PodNetworkFlags): Promise<number> {
  const selected = flags.selector !== undefined ? await env.listNamespaces(flags.selector, flags.kubeconfig) : undefined;
  const requests = planTenantRequests(action, flags.namespaces, {
    ...(flags.to !== undefined ? { to: flags.to } : {}), ...(selected ? { selected } : {}),
  });
  return withCluster(env, flags, async (cluster) => {
    const submitted = await submitTenantRequests(cluster, requests);
    if (!flags.wait) {
      for (const entry of submitted) env.out(`submitted: ${describeRequest(entry.request)} (etcd revision ${entry.revision})\n`);
      env.out('the master applies it shortly; see: k8s-ovs-adm get netnamespaces\n');
      return 0;
    }
    const outcomes = await awaitTenantRequests(env, cluster, submitted, flags.timeout * 1000);
    env.out(await resultTable(cluster, submitted, outcomes));
    const failed = outcomes.flatMap((o) => (o.status === 'applied' ? [] : [o]));
    for (const outcome of failed) {
      const what = outcome.status === 'rejected' ? 'rejected by the master' : outcome.status === 'timeout' ? 'not applied' : outcome.status;
      env.err(`error: ${outcome.namespace}: ${what}: ${outcome.reason}\n`);
    }
    return failed.length === 0 ? 0 : 1;
  });
}

export function describeRequest(request: TenantRequest): string {
  switch (request.action) {
    case 'join': return `${request.namespace} joins ${request.target}`;
    case 'isolate': return `${request.namespace} is isolated`;
    case 'global': return `${request.namespace} becomes global`;
  }
}

/** NAME NETID of every namespace involved (the join target too), as etcd holds them now. */
async function resultTable(cluster: Cluster, submitted: readonly SubmittedRequest[], outcomes: readonly RequestOutcome[]): Promise<string> {
  const involved = new Set(submitted.flatMap(({ request }) =>
    (request.target ? [request.namespace, request.target] : [request.namespace])));
  const status = new Map(outcomes.map((o) => [o.namespace, o.status === 'applied' ? 'applied' : o.status]));
  const records = (await readNetNamespaces(cluster)).items.filter((record) => involved.has(record.netName));
  return renderTable(['NAME', 'NETID', 'RESULT'], records.map((record) =>
    [record.netName, String(record.netId), status.get(record.netName) ?? 'unchanged']));
}
