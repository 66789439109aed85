// Parses `ovs-ofctl dump-flows --no-stats` output into flows whose match and actions stay OVS's text.

export interface DumpedFlow {
  cookie: bigint;
  table: number;
  priority: number;
  /** The match as OVS prints it, e.g. "ip,in_port=3,nw_src=10.128.0.5". */
  match: string;
  /** The actions as OVS prints them, e.g. "set_field:0xa->reg0,goto_table:30". */
  actions: string;
  /** Packets the flow matched, when dumped with statistics. */
  packets?: number;
}

/** The texts of the `note:` actions in OVS's rendering of actions (hex bytes, dot-separated, zero-padded). */
export function noteTexts(actions: string): string[] {
  return [...actions.matchAll(/note:([0-9a-f.]+)/gi)].map((m) => Buffer.from(m[1]!.replace(/\./g, ''), 'hex').toString('utf8').replace(/\0+$/, ''));
}

const DEFAULT_PRIORITY = 32768;

export function parseDumpFlows(output: string): DumpedFlow[] {
  const flows: DumpedFlow[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    const split = line.indexOf(' actions=');
    if (split < 0 || line.startsWith('OFPST_') || line.startsWith('NXST_')) continue;
    const head = line.slice(0, split).split(/,\s*|\s+/).filter(Boolean);
    const flow: DumpedFlow = { cookie: 0n, table: 0, priority: DEFAULT_PRIORITY, match: '', actions: line.slice(split + 9) };
    const match: string[] = [];
    for (const field of head) {
      const [key, value] = field.split('=', 2) as [string, string | undefined];
      if (key === 'cookie' && value) flow.cookie = BigInt(value);
      else if (key === 'table' && value) flow.table = Number(value);
      else if (key === 'priority' && value) flow.priority = Number(value);
      else if (key === 'n_packets' && value) flow.packets = Number(value);
      else if (!['duration', 'n_packets', 'n_bytes', 'idle_age', 'hard_age', 'reset_counts'].includes(key)) {
        match.push(field);
      }
    }
    flow.match = match.join(',');
    flows.push(flow);
  }
  return flows;
}
