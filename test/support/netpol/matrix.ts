// Truth tables over the upstream model's nine pods, in the format upstream's e2e prints
// (truthtable.go PrettyPrint): rows are senders, columns receivers, "." connected, "X" blocked.

export const NAMESPACE_KEYS = ['x', 'y', 'z'] as const;
export const POD_NAMES = ['a', 'b', 'c'] as const;
export type NamespaceKey = (typeof NAMESPACE_KEYS)[number];
export type PodName = (typeof POD_NAMES)[number];
export type PodKey = `${NamespaceKey}/${PodName}`;

export const POD_KEYS: readonly PodKey[] = NAMESPACE_KEYS.flatMap((ns) => POD_NAMES.map((pod): PodKey => `${ns}/${pod}`));

export interface Mismatch {
  from: PodKey;
  to: PodKey;
  expected: boolean;
  observed: boolean;
}

export class TruthTable {
  private constructor(private readonly cells: ReadonlyMap<string, boolean>) {}

  /**
   * Parses a table: a header line of the nine pods (optionally led by "-"), then one line per sender
   * in the same order with nine marks. Anything else throws.
   */
  static parse(text: string): TruthTable {
    const lines = text.split('\n').map((line) => line.trim().split(/\s+/)).filter((tokens) => tokens[0] !== '');
    const [header, ...rows] = lines;
    const columns = header?.[0] === '-' ? header.slice(1) : header;
    if (columns?.join(' ') !== POD_KEYS.join(' ')) throw new Error(`truth table header must be "${POD_KEYS.join(' ')}"`);
    if (rows.length !== POD_KEYS.length) throw new Error(`truth table needs ${POD_KEYS.length} rows, got ${rows.length}`);
    const cells = new Map<string, boolean>();
    rows.forEach(([from, ...marks], i) => {
      if (from !== POD_KEYS[i]) throw new Error(`truth table row ${i + 1} must start with ${POD_KEYS[i]}, got ${from}`);
      if (marks.length !== POD_KEYS.length || marks.some((m) => m !== '.' && m !== 'X')) {
        throw new Error(`truth table row ${from} needs ${POD_KEYS.length} marks of "." or "X": ${marks.join(' ')}`);
      }
      marks.forEach((mark, j) => cells.set(`${from}>${POD_KEYS[j]}`, mark === '.'));
    });
    return new TruthTable(cells);
  }

  static from(connected: (from: PodKey, to: PodKey) => boolean): TruthTable {
    const cells = new Map<string, boolean>();
    for (const from of POD_KEYS) for (const to of POD_KEYS) cells.set(`${from}>${to}`, connected(from, to));
    return new TruthTable(cells);
  }

  connected(from: PodKey, to: PodKey): boolean {
    return this.cells.get(`${from}>${to}`)!;
  }

  /**
   * Cells where `observed` differs. Upstream never fails on a pod's connection to itself
   * (network_policy.go ignoreLoopback, kubernetes#95879), so neither does this by default.
   */
  compare(observed: TruthTable, options: { ignoreLoopback?: boolean } = {}): Mismatch[] {
    const ignoreLoopback = options.ignoreLoopback ?? true;
    const mismatches: Mismatch[] = [];
    for (const from of POD_KEYS) {
      for (const to of POD_KEYS) {
        if (ignoreLoopback && from === to) continue;
        const expected = this.connected(from, to);
        if (observed.connected(from, to) !== expected) mismatches.push({ from, to, expected, observed: !expected });
      }
    }
    return mismatches;
  }

  toString(): string {
    const rows = POD_KEYS.map((from) => [from, ...POD_KEYS.map((to) => (this.connected(from, to) ? '.' : 'X'))].join(' '));
    return [['-', ...POD_KEYS].join(' '), ...rows].join('\n');
  }
}

/** Tag for tables written inline in case data. */
export const table = (strings: TemplateStringsArray): TruthTable => TruthTable.parse(strings.join(''));
