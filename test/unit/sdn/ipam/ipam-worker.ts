// A child process that churns the allocator until it is killed; the crash test SIGKILLs it mid-run.
// argv: stateDir subnet containers seed. Prints "B op id" before and "A id ip" / "R id" after each operation.
import { Cidr } from '../../../../lib/net/ipv4.js';
import { HostSubnetIpam } from '../../../../lib/sdn/ipam/allocator.js';

const [stateDir = '', subnet = '', containers = '8', seedText = '1'] = process.argv.slice(2);
let seed = Number(seedText) >>> 0 || 1;
/** xorshift32: reproducible from the seed the parent logs. */
function random(n: number): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
}

const ipam = await HostSubnetIpam.open({ stateDir, subnet: Cidr.parse(subnet) });
for (;;) {
  const id = `ctr${random(Number(containers))}`;
  if (await ipam.lookup(id, 'eth0')) {
    process.stdout.write(`B release ${id}\n`);
    await ipam.release(id);
    process.stdout.write(`R ${id}\n`);
  } else {
    process.stdout.write(`B allocate ${id}\n`);
    try {
      const address = await ipam.allocate(id, 'eth0');
      process.stdout.write(`A ${id} ${address.ip}\n`);
    } catch (err) {
      process.stdout.write(`E ${id} ${(err as Error).name}\n`);
    }
  }
}
