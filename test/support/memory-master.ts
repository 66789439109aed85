// The leader's fixed-address controllers (claims, subnets, pools, releases) on an in-memory etcd, for unit tests.
import { silentLogger } from '../../lib/log.js';
import { parseNetworkConfig } from '../../lib/sdn/config.js';
import { ClaimReleaser, type WorkloadView } from '../../lib/sdn/master/claim-release.js';
import { MasterClaims } from '../../lib/sdn/master/claims.js';
import { IpPoolController } from '../../lib/sdn/master/ippools.js';
import { SubnetController } from '../../lib/sdn/master/subnets.js';
import { Term } from '../../lib/sdn/master/term.js';
import { KEYS } from './fixed-world.js';
import type { MemoryEtcd } from './memory-etcd.js';

// A /21 of /23 node subnets: four of them, 10.128.0.0 .. 10.128.6.0.
const CONFIG = parseNetworkConfig(JSON.stringify({
  Name: 'k8ssdn', Network: '10.128.0.0/21', HostSubnetLength: 9, ServiceNetwork: '172.30.0.0/16', PluginName: 'k8s-ovs-multitenant',
}));
const FENCE_KEY = 'election/k8ssdn/master/1';

/** Elects a leader on `etcd` and starts its controllers; with `workloads`, its releaser too (GC every `gcMs`). */
export async function leader(etcd: MemoryEtcd, workloads?: WorkloadView, gcMs = 60_000) {
  await etcd.put(FENCE_KEY, 'm1');
  const fence = { key: FENCE_KEY, createRevision: (await etcd.get(FENCE_KEY))!.createRevision };
  const term = new Term(etcd.store, fence, CONFIG, KEYS, silentLogger, () => undefined);
  const claims = new MasterClaims(term);
  const subnets = new SubnetController(term);
  const pools = new IpPoolController(term, subnets, claims);
  const releaser = workloads ? new ClaimReleaser(term, claims, workloads, gcMs) : null;
  claims.start();
  subnets.start();
  pools.start();
  releaser?.start();
  await Promise.all([claims.ready, subnets.ready, pools.ready]);
  return {
    term, claims, subnets, pools, releaser,
    stop: async () => {
      term.end();
      releaser?.stop();
      await Promise.all([pools.stop(), subnets.stop(), claims.stop()]);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries an async check until it passes or `timeoutMs` is over. */
export async function eventually(check: () => Promise<unknown>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await sleep(20);
  }
}
