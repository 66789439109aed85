// A child process that takes the state lock repeatedly and logs "S pid" / "E pid" around each hold.
// argv: lockPath logPath rounds
import { promises as fs } from 'node:fs';
import { StateLock } from '../../../../lib/sdn/ipam/lock.js';

const [lockPath = '', logPath = '', rounds = '20'] = process.argv.slice(2);
const lock = new StateLock(lockPath, 10_000);
for (let i = 0; i < Number(rounds); i++) {
  await lock.withLock(async () => {
    await fs.appendFile(logPath, `S ${process.pid}\n`);
    await new Promise((resolve) => setTimeout(resolve, 3));
    await fs.appendFile(logPath, `E ${process.pid}\n`);
  });
}
