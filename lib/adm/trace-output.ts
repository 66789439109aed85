// Reads `ovs-appctl ofproto/trace` output (OVS 3.x): the flow, the table-by-table walk of the first bridge, the verdict.

/** One table the packet visited: the flow that matched it (null: "No match.") and what that flow did. */
export interface TraceStep {
  readonly table: number;
  /** The matched flow's match fields ('' for a flow matching everything); null when no flow matched. */
  readonly match: string | null;
  readonly priority: number | null;
  readonly cookie: string | null;
  /** The flow's actions, one per line as OVS prints them (`goto_table:30`, `output:5`, `drop`). */
  readonly actions: string[];
  /** What OVS says about them (`NXM_NX_REG0[] is now 0xb`, `output to native tunnel`, ...). */
  readonly notes: string[];
}

export interface OfprotoTrace {
  /** The packet as OVS understood the request (the `Flow:` line). */
  readonly flow: string;
  readonly bridge: string;
  /**
   * The walk through the first bridge, then through it again for each recirculation (a packet sent through
   * conntrack with `ct(table=N)` resumes at table N): one list, in the order the packet saw them.
   */
  readonly steps: TraceStep[];
  readonly finalFlow: string;
  /** The datapath actions of the last section: what finally happens to the packet. */
  readonly datapathActions: string;
}

/** The text is not ofproto/trace output (or a format this code does not know). */
export class TraceParseError extends Error {
  override name = 'TraceParseError';
}

const STEP = /^\s{0,3}(\d+)\.\s+(.*)$/;
const HEADER = /^(?:(.*), )?priority (\d+)(?:, cookie (0x[0-9a-f]+))?$/;
const BRIDGE = /^bridge\("([^"]+)"\)$/;
/** `recirc(0x1) - resume conntrack with default ct_state=trk|new ...`: the same bridge again, after conntrack. */
const RECIRCULATION = /^recirc\(0x[0-9a-f]+\) - resume conntrack/;

export function parseOfprotoTrace(text: string): OfprotoTrace {
  const sections = text.split(/\n=+\n/);
  const first = sections[0]!.split('\n');
  const flow = first.find((line) => line.startsWith('Flow: '))?.slice('Flow: '.length);
  const bridgeAt = first.findIndex((line) => BRIDGE.test(line));
  if (flow === undefined || bridgeAt < 0) {
    throw new TraceParseError(`not ofproto/trace output (no "Flow:" or bridge line): ${text.slice(0, 200)}`);
  }
  const bridge = BRIDGE.exec(first[bridgeAt]!)![1]!;
  const steps = walk(first, bridgeAt);
  let last = first;
  for (let i = 1; i + 1 < sections.length; i += 2) {
    if (!RECIRCULATION.test(sections[i]!.trim())) continue;
    const lines = sections[i + 1]!.split('\n');
    const at = lines.findIndex((line) => BRIDGE.exec(line)?.[1] === bridge);
    if (at < 0) continue;
    steps.push(...walk(lines, at));
    last = lines;
  }
  const after = (lines: string[], prefix: string): string => lines.find((line) => line.startsWith(prefix))?.slice(prefix.length) ?? '';
  return { flow, bridge, steps, finalFlow: after(last, 'Final flow: '), datapathActions: after(last, 'Datapath actions: ') };
}

/** The steps of one bridge's walk, from its `bridge("...")` line to the first blank line. */
function walk(lines: readonly string[], bridgeAt: number): TraceStep[] {
  const steps: Array<TraceStep & { actions: string[]; notes: string[] }> = [];
  // Only this bridge's walk: a tunnel output continues in the underlay bridge (br-phy), printed after it.
  for (const line of lines.slice(bridgeAt + 2)) {
    if (line === '' || line.startsWith('bridge(') || line.startsWith('Final flow:')) break;
    // A recirculated walk starts with "thaw" and "Resuming from table N": the table's own step follows.
    if (steps.length === 0 && /^\s+(thaw|Resuming from table \d+)$/.test(line)) continue;
    const step = STEP.exec(line);
    if (step) {
      const rest = step[2]!;
      const header = HEADER.exec(rest);
      if (rest === 'No match.') {
        steps.push({ table: Number(step[1]), match: null, priority: null, cookie: null, actions: [], notes: [] });
      } else if (header) {
        steps.push({ table: Number(step[1]), match: header[1] ?? '', priority: Number(header[2]), cookie: header[3] ?? null,
          actions: [], notes: [] });
      } else {
        throw new TraceParseError(`cannot read the trace step "${line.trim()}"`);
      }
      continue;
    }
    const current = steps[steps.length - 1];
    if (!current) throw new TraceParseError(`trace line before the first table: "${line}"`);
    const note = /^\s+-> (.*)$/.exec(line);
    if (note) current.notes.push(note[1]!);
    else current.actions.push(line.trim());
  }
  return steps;
}

/** A field of a flow string (`ip,in_port=3,nw_dst=10.0.0.1`): its value, or undefined. */
export function flowField(flow: string, name: string): string | undefined {
  for (const part of flow.split(',')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at) === name) return part.slice(at + 1);
  }
  return undefined;
}

/** The packet type a flow string starts with (`ip`, `tcp`, `udp`, `arp`). */
export function flowProtocol(flow: string): string {
  return flow.split(',')[0] ?? '';
}
