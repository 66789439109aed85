// The truth-table format the cases are written in.
import { expect } from 'chai';
import { TruthTable } from '../../support/netpol/matrix.js';
import { TO_XA_ONLY_FROM_XB } from '../../support/netpol/tables.js';

describe('netpol truth tables', function () {
  it('reads rows as senders and columns as receivers, "." connected', function () {
    expect(TO_XA_ONLY_FROM_XB.connected('x/b', 'x/a')).to.equal(true);
    expect(TO_XA_ONLY_FROM_XB.connected('x/c', 'x/a')).to.equal(false);
    expect(TO_XA_ONLY_FROM_XB.connected('x/a', 'x/c')).to.equal(true);
  });

  it('prints what it parses', function () {
    expect(String(TruthTable.parse(String(TO_XA_ONLY_FROM_XB)))).to.equal(String(TO_XA_ONLY_FROM_XB));
  });

  it('refuses a table with a wrong header, row, or mark', function () {
    const good = String(TO_XA_ONLY_FROM_XB).split('\n');
    expect(() => TruthTable.parse(good.slice(0, -1).join('\n'))).to.throw('needs 9 rows');
    expect(() => TruthTable.parse([good[0]!.replace('x/b', 'x/d'), ...good.slice(1)].join('\n'))).to.throw('header');
    expect(() => TruthTable.parse([good[0]!, good[2]!, good[1]!, ...good.slice(3)].join('\n'))).to.throw('row 1 must start with x/a');
    expect(() => TruthTable.parse([...good.slice(0, -1), good.at(-1)!.replace('X', 'x')].join('\n'))).to.throw('marks');
  });

  it('reports differing cells, skipping a pod to itself unless asked', function () {
    const allBlocked = TruthTable.from(() => false);
    const mismatches = TO_XA_ONLY_FROM_XB.compare(allBlocked);
    expect(mismatches).to.have.length(81 - 8 - 9 + 1);
    expect(mismatches).to.deep.include({ from: 'x/b', to: 'x/a', expected: true, observed: false });
    expect(TO_XA_ONLY_FROM_XB.compare(allBlocked, { ignoreLoopback: false })).to.have.length(81 - 8);
  });
});
