// Entry point of bin/k8s-ovs-adm: the real effects (etcd, OVS tools, the API server, the clock) around runAdm.
import { setTimeout as sleep } from 'node:timers/promises';
import { EtcdStore } from '../etcd/store.js';
import { localRunner } from '../exec/command.js';
import type { AdmEnvironment } from './context.js';
import { listNamespacesBySelector } from './namespace-selector.js';
import { runAdm } from './program.js';

const env: AdmEnvironment = {
  out: (text) => { process.stdout.write(text); },
  err: (text) => { process.stderr.write(text); },
  openStore: (options) => EtcdStore.connect(options),
  listNamespaces: listNamespacesBySelector,
  runner: localRunner(),
  now: () => new Date(),
  sleep: async (ms) => { await sleep(ms); },
};

const status = await runAdm(process.argv.slice(2), env);
// Exit explicitly: etcd3 and the API client may keep sockets open a moment after close. `migrate`
// reports its verdict through process.exitCode itself.
process.exit(status !== 0 ? status : Number(process.exitCode ?? 0));
