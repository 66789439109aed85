// The sandbox cluster itself: real OVS nodes whose underlay and VXLAN carry traffic, and a teardown that leaves nothing.
import { expect } from 'chai';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import {
  cleanupStale,
  ping,
  randomPrefix,
  Sandbox,
  tcpConnect,
  type PodNetns,
  type SandboxNode,
} from '../support/sandbox/index.js';

/** Namespaces named with `prefix`, and live processes that mention it or are among `pids`. */
async function leftovers(prefix: string, pids: number[] = []): Promise<{ netns: string[]; processes: string[] }> {
  const netns = (await readdir('/var/run/netns').catch(() => [] as string[])).filter((ns) => ns.startsWith(prefix));
  const processes: string[] = [];
  for (const pid of (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry))) {
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
    if (cmdline && (cmdline.includes(prefix) || pids.includes(Number(pid)))) processes.push(`${pid} ${cmdline}`);
  }
  return { netns, processes };
}

const TUNNEL_KEY = 5;

/** What the project's CNI code will do, reduced to the minimum: a veth from the pod into br0. */
async function plugPod(node: SandboxNode, pod: PodNetns, hostIf: string, cidr: string): Promise<number> {
  await node.exec('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod.netnsPath]);
  await node.exec('ip', ['link', 'set', hostIf, 'up']);
  await pod.exec('ip', ['link', 'set', 'eth0', 'mtu', '1450', 'up']);
  await pod.exec('ip', ['addr', 'add', cidr, 'dev', 'eth0']);
  await pod.exec('ethtool', ['-K', 'eth0', 'tx', 'off']);
  await node.vsctl(['add-port', 'br0', hostIf]);
  return Number((await node.vsctl(['get', 'Interface', hostIf, 'ofport'])).stdout.trim());
}

/** Pod traffic out through vxlan0 (ofport 1) to the peer node; tunnel traffic with our key to the pod. */
async function programFlows(node: SandboxNode, podPort: number, peer: SandboxNode): Promise<void> {
  const bridge = node.mgmtSocket('br0');
  await node.ofctl(['add-flow', bridge, `in_port=${podPort},actions=set_field:${peer.ip}->tun_dst,set_field:${TUNNEL_KEY}->tun_id,output:1`]);
  await node.ofctl(['add-flow', bridge, `in_port=1,tun_id=${TUNNEL_KEY},actions=output:${podPort}`]);
}

describe('the sandbox cluster', function () {
  this.timeout(60_000);
  const prefix = randomPrefix();
  let sandbox: Sandbox;
  let n1: SandboxNode;
  let n2: SandboxNode;

  before(async function () {
    const start = Date.now();
    sandbox = await Sandbox.create({ prefix, nodes: 2 });
    [n1, n2] = sandbox.nodes as [SandboxNode, SandboxNode];
    console.log(`      (sandbox ${prefix}: hub + 2 nodes up in ${Date.now() - start} ms)`);
  });

  after(async function () {
    const start = Date.now();
    await sandbox?.destroy();
    console.log(`      (sandbox ${prefix}: destroyed in ${Date.now() - start} ms)`);
    await cleanupStale(prefix);
  });

  it('gives each node its own OVS whose sockets live in the node directory', async function () {
    expect(n1.ovsRunDir).to.not.equal(n2.ovsRunDir);
    expect(n1.dbSocket).to.equal(`unix:${n1.ovsRunDir}/db.sock`);
    expect((await n1.vsctl(['list-br'])).stdout.trim()).to.equal('br-phy');
    expect((await n1.appctl(['version'])).stdout).to.match(/ovs-vswitchd/);
    expect((await n2.exec('ip', ['-4', '-o', 'addr', 'show', 'br-phy'])).stdout).to.include(`${n2.ip}/24`);
  });

  it('lets the nodes and the hub ping each other over the underlay', async function () {
    expect(await ping(n1, n2.ip, { count: 3, intervalMs: 100 })).to.include({ received: 3 });
    expect(await ping(n2, n1.ip, { count: 3, intervalMs: 100 })).to.include({ received: 3 });
    expect(await ping(sandbox.hub, n1.ip, { count: 2, intervalMs: 100 })).to.include({ received: 2 });
  });

  it('carries TCP from the hub into a node, from a node to the hub and between nodes', async function () {
    await sandbox.startTcpListener(n1, 7001);
    await sandbox.startTcpListener(sandbox.hub, 7002);
    expect(await tcpConnect(sandbox.hub, n1.ip, 7001)).to.include({ outcome: 'connected', peer: sandbox.hub.ip });
    expect(await tcpConnect(n2, n1.ip, 7001)).to.include({ outcome: 'connected', peer: n2.ip });
    expect(await tcpConnect(n1, sandbox.hub.ip, 7002)).to.include({ outcome: 'connected', peer: n1.ip });
  });

  it('tells a refused connection from a dropped one', async function () {
    expect(await tcpConnect(n2, n1.ip, 7999)).to.include({ outcome: 'refused' });
    const dropped = await tcpConnect(n2, '10.99.0.77', 7001, { timeoutMs: 800 });
    expect(dropped.outcome).to.be.oneOf(['timeout', 'unreachable']);
  });

  describe('with a VXLAN bridge on each node and one pod per node', function () {
    let pod1: PodNetns;
    let pod2: PodNetns;
    let pod2Port: number;

    before(async function () {
      [pod1, pod2] = await Promise.all([sandbox.createPodNetns('a'), sandbox.createPodNetns('b')]);
      const ports = await Promise.all(
        [
          { node: n1, pod: pod1, cidr: '10.201.1.2/16' },
          { node: n2, pod: pod2, cidr: '10.201.2.2/16' },
        ].map(async ({ node, pod, cidr }) => {
          await node.vsctl([
            'add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=netdev', 'protocols=OpenFlow13', 'fail-mode=secure',
            '--', 'add-port', 'br0', 'vxlan0', '--', 'set', 'Interface', 'vxlan0', 'type=vxlan',
            'options:remote_ip=flow', 'options:key=flow', 'ofport_request=1',
          ]);
          return plugPod(node, pod, `veth-${pod.name}`, cidr);
        }),
      );
      [, pod2Port] = ports as [number, number];
      await programFlows(n1, ports[0]!, n2);
      await programFlows(n2, pod2Port, n1);
    });

    it('lets a pod ping a pod on the other node through the tunnel', async function () {
      expect(await ping(pod1, '10.201.2.2', { count: 3, intervalMs: 100 })).to.include({ received: 3 });
      const flows = (await n2.ofctl(['dump-flows', n2.mgmtSocket('br0'), 'in_port=1'])).stdout;
      expect(Number(/n_packets=(\d+)/.exec(flows)?.[1])).to.be.greaterThan(0);
    });

    it('lets a pod open a TCP connection to a pod on the other node', async function () {
      await sandbox.startTcpListener(pod2, 8080);
      expect(await tcpConnect(pod1, '10.201.2.2', 8080)).to.include({ outcome: 'connected', peer: '10.201.1.2' });
    });

    it('loses the flows but keeps bridges and ports when ovs-vswitchd restarts', async function () {
      const pinger = await sandbox.startPinger(pod1, '10.201.2.2', { intervalMs: 50 });
      await pinger.waitForReplies(3);
      await n2.restartVswitchd();
      expect((await n2.vsctl(['list-ports', 'br0'])).stdout.split('\n')).to.include.members(['vxlan0', 'veth-b']);
      expect((await n2.vsctl(['get', 'Interface', 'veth-b', 'ofport'])).stdout.trim()).to.equal(String(pod2Port));
      expect((await n2.ofctl(['dump-flows', n2.mgmtSocket('br0')])).stdout).to.not.include('in_port');
      expect(await ping(pod1, '10.201.2.2', { count: 2, intervalMs: 100 })).to.include({ received: 0 });
      expect(await ping(n1, n2.ip, { count: 2, intervalMs: 100 })).to.include({ received: 2 });

      await programFlows(n2, pod2Port, n1);
      const before = pinger.received;
      await pinger.waitForReplies(before + 3);
      const report = await pinger.stop();
      expect(report.lost).to.be.greaterThan(0);
      expect(report.longestOutage).to.be.greaterThan(0);
      expect(await tcpConnect(pod1, '10.201.2.2', 8080)).to.include({ outcome: 'connected' });
    });

    it('forwards nothing after a flow-restore-wait restart until the restore is finished', async function () {
      await n2.restartVswitchd({ flowRestoreWait: true });
      await programFlows(n2, pod2Port, n1);
      expect(await ping(n1, n2.ip, { count: 2, intervalMs: 100 })).to.include({ received: 0 });
      expect(await ping(pod1, '10.201.2.2', { count: 2, intervalMs: 100 })).to.include({ received: 0 });

      await n2.finishFlowRestore();
      expect(await ping(n1, n2.ip, { count: 2, intervalMs: 100 })).to.include({ received: 2 });
      expect(await ping(pod1, '10.201.2.2', { count: 2, intervalMs: 100 })).to.include({ received: 2 });
    });
  });
});

describe('sandbox teardown', function () {
  this.timeout(30_000);
  const prefix = randomPrefix();
  after(() => cleanupStale(prefix));

  it('destroy removes namespaces, processes and files, and may be called twice', async function () {
    const sandbox = await Sandbox.create({ prefix, nodes: 1 });
    const pod = await sandbox.createPodNetns('x');
    await sandbox.startTcpListener(pod, 9000);
    const sleeper = await sandbox.startProcess(sandbox.hub, 'sleep', ['300']);
    const pids = [sleeper.pid, sandbox.node('n1').ovs.vswitchdPid];
    expect((await leftovers(prefix, pids)).netns).to.have.length(3);

    await sandbox.destroy();
    await sandbox.destroy();
    expect(await leftovers(prefix, pids)).to.deep.equal({ netns: [], processes: [] });
    expect(existsSync(sandbox.runDir)).to.equal(false);
  });

  it('keeps what a piped child prints before the caller reads it', async function () {
    const sandbox = await Sandbox.create({ prefix, nodes: 1 });
    try {
      const child = await sandbox.startProcess(sandbox.hub, 'sh', ['-c', 'echo ready; exec sleep 300'], { stdio: 'pipe' });
      // Long after the child printed: execa would have resumed an unread stream and dropped the line.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const stdout = child.subprocess.stdout!;
      const first = once(stdout, 'data');
      stdout.resume();
      expect(String((await first)[0])).to.equal('ready\n');
    } finally {
      await sandbox.destroy();
    }
  });

  it('cleanupStale removes what an abandoned run left behind', async function () {
    const abandoned = await Sandbox.create({ prefix, nodes: 1 });
    const sleeper = await abandoned.startProcess(abandoned.node('n1'), 'sleep', ['300']);

    const report = await cleanupStale(prefix);
    expect(report.netns).to.have.members([`${prefix}-hub`, `${prefix}-n1`]);
    expect(report.killed).to.include(sleeper.pid);
    await sleeper.exited;
    expect(await leftovers(prefix, [sleeper.pid])).to.deep.equal({ netns: [], processes: [] });
    expect(existsSync(abandoned.runDir)).to.equal(false);
  });
});
