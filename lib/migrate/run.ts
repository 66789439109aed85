// One migration run: read the v2 tree, plan against v3, print the plan, and write it unless refused.
import { EtcdStore } from '../etcd/store.js';
import type { StoreOptions } from '../etcd/options.js';
import { applyPlan } from './apply.js';
import { EmptySourceError } from './errors.js';
import { type MigrationPlan, type PlanCounts, type PlanEntry, blockingEntries, countPlan, planMigration } from './plan.js';
import { renderPlanTable } from './table.js';
import { type V2Options, V2Reader } from './v2-reader.js';

export interface MigrateOptions {
  /** The original k8s-ovs tree, read through etcd's v2 API under the target's prefix. */
  source: V2Options;
  /** The etcd v3 store to write; its prefix is the prefix of both trees. */
  target: StoreOptions;
  /** Print the plan only. */
  dryRun?: boolean;
  /** Copy the valid keys and leave the invalid ones behind (conflicts still refuse). */
  skipInvalid?: boolean;
  /** The config key under the prefix: `config`, or `<network>/config` with the original's --network. */
  configKey?: string;
}

/** planned: dry run that would write; up-to-date: nothing to copy; refused: nothing written because of the plan. */
export type MigrateOutcome = 'planned' | 'migrated' | 'up-to-date' | 'refused';

export interface MigrateReport {
  readonly outcome: MigrateOutcome;
  readonly plan: MigrationPlan;
  readonly counts: PlanCounts;
  readonly written: number;
}

/** Where the run prints its table and summary, one line per call. */
export type Output = (line: string) => void;

const SHOWN_KEYS = 5;

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function keyList(entries: readonly PlanEntry[], root: string): string {
  const shown = entries.slice(0, SHOWN_KEYS).map((entry) => `${root}/${entry.key}`).join(', ');
  return entries.length > SHOWN_KEYS ? `${shown} and ${entries.length - SHOWN_KEYS} more` : shown;
}

function refusal(blocking: readonly PlanEntry[], root: string, dryRun: boolean): string {
  const conflicts = blocking.filter((entry) => entry.action === 'conflict');
  const invalid = blocking.filter((entry) => entry.action === 'invalid');
  const parts: string[] = [];
  if (conflicts.length > 0) {
    parts.push(`${plural(conflicts.length, 'conflict')} (${keyList(conflicts, root)}): v3 already holds a different ` +
      'record; make the v3 key equal to the v2 one or delete it, then run again');
  }
  if (invalid.length > 0) {
    parts.push(`${plural(invalid.length, 'invalid key')} (${keyList(invalid, root)}): ` +
      `fix ${invalid.length === 1 ? 'it' : 'them'} in v2, or pass --skip-invalid to leave ${invalid.length === 1 ? 'it' : 'them'} behind`);
  }
  return `${dryRun ? 'dry run: the migration would write nothing' : 'nothing written'}: ${parts.join('; ')}`;
}

function extras(counts: PlanCounts): string {
  return [
    `${counts.identical} already identical`,
    ...(counts.invalid > 0 ? [`${plural(counts.invalid, 'invalid key')} left behind`] : []),
  ].join(', ');
}

/** Runs the migration, printing the plan table and a summary; failures to reach etcd throw. */
export async function runMigrate(options: MigrateOptions, output: Output): Promise<MigrateReport> {
  const root = options.target.prefix.replace(/\/+$/, '');
  const reader = await V2Reader.open(options.source);
  const source = await reader.readTree(root);
  if (source.length === 0) {
    throw new EmptySourceError(`etcd v2 at ${reader.endpointList} holds no key under ${root}: nothing to migrate ` +
      '(check --from-v2 and --etcd-prefix)');
  }
  const store = await EtcdStore.connect(options.target);
  try {
    const plan = planMigration(source, (await store.list('')).items, options.configKey);
    const counts = countPlan(plan);
    const report = (outcome: MigrateOutcome, written = 0): MigrateReport => ({ outcome, plan, counts, written });
    for (const line of renderPlanTable(plan, root)) output(line);
    const blocking = blockingEntries(plan, { skipInvalid: options.skipInvalid ?? false });
    if (blocking.length > 0) {
      output(refusal(blocking, root, options.dryRun ?? false));
      return report('refused');
    }
    if (counts.copy === 0) {
      output(counts.invalid === 0
        ? `nothing to migrate: all ${counts.identical} ${counts.identical === 1 ? 'key is' : 'keys are'} identical`
        : `nothing to migrate: ${plural(counts.identical, 'key')} identical, ${plural(counts.invalid, 'invalid key')} left behind`);
      return report('up-to-date');
    }
    if (options.dryRun) {
      output(`dry run: would copy ${plural(counts.copy, 'key')} (${extras(counts)}); nothing written`);
      return report('planned');
    }
    const applied = await applyPlan(store, plan);
    output(`migrated ${plural(applied.written, 'key')} to etcd v3 in one transaction at revision ${applied.revision} ` +
      `(${extras(counts)})`);
    return report('migrated', applied.written);
  } finally {
    await store.close();
  }
}
