// Property: any sequence of allocate, release, reconcile and crash-and-reload keeps disk equal to a simple
// model, so no address is ever held twice and none leaks.
import { expect } from 'chai';
import fc from 'fast-check';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Cidr } from '../../../../lib/net/ipv4.js';
import { HostSubnetIpam } from '../../../../lib/sdn/ipam/allocator.js';
import { IpamExhaustedError } from '../../../../lib/sdn/ipam/errors.js';

const SUBNET = Cidr.parse('10.129.0.0/29');
/** A token no live process can have: Linux pids stop at 2^22. */
const DEAD_OWNER = '999999999:1';

type Op =
  | { kind: 'allocate'; id: number; ifname: 'eth0' | 'net1' }
  | { kind: 'release'; id: number }
  | { kind: 'reconcile'; live: number[] }
  | { kind: 'crash'; staleLock: boolean; strayTemp: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('allocate' as const), id: fc.nat(6), ifname: fc.constantFrom('eth0' as const, 'net1' as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('release' as const), id: fc.nat(6) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reconcile' as const), live: fc.uniqueArray(fc.nat(6), { maxLength: 7 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const), staleLock: fc.boolean(), strayTemp: fc.boolean() }) },
);

describe('host-subnet IPAM (property)', function () {
  let base: string;
  let run = 0;

  before(async function () {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'k8s-ovs-ipam-prop-'));
  });

  after(async function () {
    await fs.rm(base, { recursive: true, force: true });
  });

  it('never holds an address twice and never leaks one, across crashes and reloads', async function () {
    this.timeout(120_000);
    await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), async (ops) => {
      const stateDir = path.join(base, `run-${++run}`);
      let ipam = await HostSubnetIpam.open({ stateDir, subnet: SUBNET });
      const model = new Map<string, string>(); // "id/ifname" -> ip
      for (const op of ops) {
        if (op.kind === 'allocate') {
          const key = `c${op.id}/${op.ifname}`;
          const result = await ipam.allocate(`c${op.id}`, op.ifname).catch((err: unknown) => err);
          if (model.has(key)) {
            expect(result).to.deep.include({ ip: model.get(key) });
          } else if (model.size === ipam.allocatableCount) {
            expect(result).to.be.instanceOf(IpamExhaustedError);
          } else {
            const { ip } = result as { ip: string };
            expect([...model.values()]).to.not.include(ip);
            expect(ipam.isAllocatable(ip as never)).to.equal(true);
            model.set(key, ip);
          }
        } else if (op.kind === 'release') {
          await ipam.release(`c${op.id}`);
          for (const key of [...model.keys()]) if (key.startsWith(`c${op.id}/`)) model.delete(key);
        } else if (op.kind === 'reconcile') {
          const live = op.live.map((id) => `c${id}`);
          await ipam.reconcile(live);
          for (const key of [...model.keys()]) if (!live.includes(key.split('/')[0]!)) model.delete(key);
        } else {
          // What a SIGKILL can leave: the lock of a dead owner and a half-written hint file.
          if (op.staleLock) await fs.symlink(DEAD_OWNER, path.join(stateDir, 'lock')).catch(() => undefined);
          if (op.strayTemp) await fs.writeFile(path.join(stateDir, 'last-reserved.99999.tmp'), '10.129');
          ipam = await HostSubnetIpam.open({ stateDir, subnet: SUBNET });
        }
        const onDisk = new Map((await ipam.list()).map((r) => [`${r.containerId}/${r.ifname}`, r.ip as string]));
        expect(onDisk).to.deep.equal(model);
      }
    }), { numRuns: 150 });
  });
});
