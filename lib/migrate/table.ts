// Renders a migration plan as the table `k8s-ovs-adm migrate` prints: KEY, VALUE, PLAN, REASON.
import type { MigrationPlan } from './plan.js';

/** Values longer than this are cut, with an ellipsis, to keep one row per key. */
export const VALUE_COLUMN_WIDTH = 48;

function shorten(value: string): string {
  const flat = value.replace(/\s+/g, ' ');
  return flat.length <= VALUE_COLUMN_WIDTH ? flat : `${flat.slice(0, VALUE_COLUMN_WIDTH - 1)}…`;
}

/** One line per entry under a header; keys are shown in full (with the prefix) so they can be pasted into etcdctl. */
export function renderPlanTable(plan: MigrationPlan, prefix: string): string[] {
  const root = prefix.replace(/\/+$/, '');
  const rows = [
    ['KEY', 'VALUE', 'PLAN', 'REASON'],
    ...plan.entries.map((entry) => [`${root}/${entry.key}`, shorten(entry.value), entry.action, entry.reason]),
  ];
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column < 3 ? cell.padEnd(widths[column]!) : cell)).join('  ').trimEnd());
}
