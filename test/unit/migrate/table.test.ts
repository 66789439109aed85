import { expect } from 'chai';
import type { MigrationPlan } from '../../../lib/migrate/plan.js';
import { VALUE_COLUMN_WIDTH, renderPlanTable } from '../../../lib/migrate/table.js';

describe('migration plan table', () => {
  const plan: MigrationPlan = {
    network: 'k8ssdn',
    entries: [
      { key: 'config', value: '{"Name":"k8ssdn"}', action: 'identical', reason: 'v3 holds the same value', v3ModRevision: 4 },
      { key: 'k8ssdn/netnamespaces/a', value: '{"NetName":"a",\n "NetID":10,"Action":"","Namespace":"","Padding":"xxxxxxxx"}',
        action: 'copy', reason: 'absent in v3', v3ModRevision: 0 },
      { key: 'k8ssdn/netnamespaces/b', value: 'x', action: 'invalid', reason: 'not valid JSON', v3ModRevision: 0 },
    ],
  };

  it('shows one aligned row per key, with the full key and the plan and reason', () => {
    expect(renderPlanTable(plan, '/k8s.ovs.com/ovs/network/')).to.deep.equal([
      'KEY                                              VALUE                                             PLAN       REASON',
      '/k8s.ovs.com/ovs/network/config                  {"Name":"k8ssdn"}                                 identical  v3 holds the same value',
      '/k8s.ovs.com/ovs/network/k8ssdn/netnamespaces/a  {"NetName":"a", "NetID":10,"Action":"","Namespa…  copy       absent in v3',
      '/k8s.ovs.com/ovs/network/k8ssdn/netnamespaces/b  x                                                 invalid    not valid JSON',
    ]);
  });

  it('cuts long values to the column width and keeps each row on one line', () => {
    const [, , row] = renderPlanTable(plan, '/p');
    expect(row).to.not.include('\n');
    expect(row).to.include('…');
    expect(row!.split('  ').find((cell) => cell.includes('…'))!.trim()).to.have.length(VALUE_COLUMN_WIDTH);
  });
});
