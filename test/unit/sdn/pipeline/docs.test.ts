import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { Table } from '../../../../lib/sdn/pipeline/tables.js';

describe('docs/pipeline.md', () => {
  it('lists exactly the tables the code defines, with the same numbers and names', async () => {
    const doc = await readFile(new URL('../../../../../docs/pipeline.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| (\d+) \| (\w+) \|/gm)].map((m) => `${m[1]} ${m[2]}`);
    const defined = Object.entries(Table).filter(([, v]) => typeof v === 'number').map(([k, v]) => `${v} ${k}`);
    expect(documented).to.deep.equal(defined);
  });
});
