// Which k8s-ovs release this code is: the daemon's heartbeat and metrics and k8s-ovs-adm report it.
import { readFileSync } from 'node:fs';

let cachedVersion: string | undefined;

/** The k8s-ovs release, from the package.json the code was installed with (dist/ sits beside it). */
export function packageVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const text = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
      const { version } = JSON.parse(text) as { version?: unknown };
      cachedVersion = typeof version === 'string' ? version : 'unknown';
    } catch {
      // An unusual install without package.json: report that plainly instead of failing the daemon.
      cachedVersion = 'unknown';
    }
  }
  return cachedVersion;
}
