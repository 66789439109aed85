// The two sizes of the suite: the full run behind docs/benchmarks.md and a --quick one for development.
import type { ClusterShape } from './control/policy-model.js';

export interface BenchProfile {
  name: 'quick' | 'full';
  cni: {
    /** Pods added then deleted per pass; passes: sequential and `concurrency` at a time, per env mode. */
    pods: number;
    concurrency: number;
    /** Pods per pass with NODE_EXTRA_CA_CERTS set. */
    caCertsPods: number;
    /** Plugin starts (CNI VERSION) timed per env mode: the floor of every call. */
    pluginStarts: number;
    /** Sequential ADD/DEL with per-command timing shims in the daemon's PATH. */
    profiledPods: number;
    /** Pods whose OVS work is done both ways (ours and one process per port and flow), interleaved. */
    baselinePods: number;
  };
  flows: {
    retagPods: number;
    resync: { nodes: number; services: number; pods: number };
    scalingSizes: number[];
    reps: number;
  };
  scale: { nodes: number; namespaces: number; services: number; pods: number; churn: number };
  /** The scale run repeated at these sizes (the rest as in `scale`): how start, one change, restart and memory grow. */
  scaleGrowth: Array<{ nodes: number; services: number }>;
  /** Pairs of ADDs (dynamic, fixed address); fixed addresses claimed across `nodes` other nodes. */
  fixed: { addPods: number; nodes: number; addresses: number };
  dataplane: { rounds: number; qperfSeconds: number; iperfSeconds: number };
  netpol: { shape: ClusterShape; sizes: number[]; reps: number };
  /** Policies installed for the data-plane rounds with policy (netpol-dataplane). */
  netpolDataplane: { policies: number; rounds: number };
  /** Back-to-back pairs of the baseline tree's and this tree's data-plane run (service-ab). */
  serviceAb: { pairs: number };
}

export const FULL: BenchProfile = {
  name: 'full',
  cni: { pods: 200, concurrency: 20, caCertsPods: 100, pluginStarts: 20, profiledPods: 20, baselinePods: 50 },
  flows: { retagPods: 500, resync: { nodes: 1000, services: 5000, pods: 110 }, scalingSizes: [10, 100, 1000], reps: 5 },
  scale: { nodes: 1000, namespaces: 50, services: 5000, pods: 110, churn: 10 },
  scaleGrowth: [{ nodes: 1000, services: 5000 }, { nodes: 5000, services: 10000 }],
  fixed: { addPods: 30, nodes: 100, addresses: 5000 },
  dataplane: { rounds: 3, qperfSeconds: 1, iperfSeconds: 2 },
  netpol: { shape: { namespaces: 40, pods: 400, localEvery: 2, seed: 20 }, sizes: [100, 1000, 5000], reps: 3 },
  netpolDataplane: { policies: 1000, rounds: 3 },
  serviceAb: { pairs: 3 },
};

export const QUICK: BenchProfile = {
  name: 'quick',
  cni: { pods: 20, concurrency: 5, caCertsPods: 10, pluginStarts: 5, profiledPods: 5, baselinePods: 10 },
  flows: { retagPods: 100, resync: { nodes: 100, services: 500, pods: 20 }, scalingSizes: [10, 100], reps: 2 },
  scale: { nodes: 100, namespaces: 5, services: 500, pods: 10, churn: 3 },
  scaleGrowth: [{ nodes: 100, services: 500 }, { nodes: 500, services: 1000 }],
  fixed: { addPods: 10, nodes: 20, addresses: 500 },
  dataplane: { rounds: 1, qperfSeconds: 1, iperfSeconds: 2 },
  netpol: { shape: { namespaces: 20, pods: 200, localEvery: 2, seed: 20 }, sizes: [100, 1000], reps: 2 },
  netpolDataplane: { policies: 1000, rounds: 1 },
  serviceAb: { pairs: 1 },
};
