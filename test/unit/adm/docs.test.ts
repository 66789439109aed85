// docs/admin-cli.md's sample outputs of `get nodes` and `status` and its heartbeat record are what the code
// prints for the cluster they describe, with this release's version and pipeline.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { joinNodes, renderNodeTable } from '../../../lib/adm/nodes.js';
import { assembleStatus, renderStatus } from '../../../lib/adm/status.js';
import { parseNetworkConfig } from '../../../lib/sdn/config.js';
import { serializeHeartbeat } from '../../../lib/sdn/heartbeat-record.js';
import { PIPELINE_VERSION } from '../../../lib/sdn/pipeline/tables.js';
import { parseHostSubnet } from '../../../lib/sdn/records.js';
import { packageVersion } from '../../../lib/sdn/version.js';
import { CONFIG } from './memory-store.js';

const now = new Date('2024-05-01T12:00:00Z');
const version = packageVersion();
const subnets = [['n1', '10.91.0.1', '10.128.2.0/23'], ['n2', '10.91.0.2', '10.128.0.0/23']].map(([host, ip, cidr]) =>
  parseHostSubnet(`k8ssdn/subnets/${ip}`, JSON.stringify({ Host: host, HostIP: ip, Subnet: cidr, Assign: false })));
const beat = (host: string, hostIp: string, secondsAgo: number) =>
  ({ host, hostIp, version, pipelineVersion: PIPELINE_VERSION, time: new Date(now.getTime() - secondsAgo * 1000).toISOString() });
const candidates = [
  { identity: 'n2', key: 'election/k8ssdn/master/694d8', createRevision: 7 },
  { identity: 'n1', key: 'election/k8ssdn/master/694d9', createRevision: 9 },
];
const status = (heartbeats: ReturnType<typeof beat>[]) => renderStatus(assembleStatus({
  config: parseNetworkConfig(CONFIG), candidates, subnets, heartbeats, netNamespaces: [], now, cliVersion: version,
}));

/** The fenced blocks of a markdown file, each as its text. */
function codeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/** What a block shows after `$ <command>`, up to the next prompt. */
function outputOf(blocks: readonly string[], command: string): string {
  for (const block of blocks) {
    const start = block.indexOf(`$ ${command}\n`);
    if (start < 0) continue;
    const output = block.slice(start + command.length + 3);
    const next = output.indexOf('\n$ ');
    return next < 0 ? output : output.slice(0, next + 1);
  }
  throw new Error(`no sample of \`${command}\` in docs/admin-cli.md`);
}

describe('docs/admin-cli.md samples', () => {
  let doc: string;
  let blocks: string[];
  before(async () => {
    doc = await readFile(new URL('../../../../docs/admin-cli.md', import.meta.url), 'utf8');
    blocks = codeBlocks(doc);
  });

  it('shows `get nodes` as it prints two ready nodes', () => {
    const table = renderNodeTable(joinNodes(subnets, [beat('n1', '10.91.0.1', 3), beat('n2', '10.91.0.2', 3)], now));
    expect(outputOf(blocks, 'k8s-ovs-adm get nodes').trimEnd()).to.equal(table.trimEnd());
  });

  it('shows `status` as it prints that cluster, then with n2 silent', () => {
    expect(outputOf(blocks, 'k8s-ovs-adm status')).to.equal(status([beat('n1', '10.91.0.1', 3), beat('n2', '10.91.0.2', 3)]));
    const silent = status([beat('n1', '10.91.0.1', 2)]);
    const table = silent.slice(silent.indexOf('NAME'));
    expect(blocks).to.include(table);
  });

  it('shows the heartbeat record a daemon of this release writes', () => {
    const record = serializeHeartbeat({ host: 'n1', version, pipelineVersion: PIPELINE_VERSION, time: now.toISOString() });
    expect(doc).to.include(`\`${record}\``);
  });
});
