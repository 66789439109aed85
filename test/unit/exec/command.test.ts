import { expect } from 'chai';
import { localRunner } from '../../../lib/exec/command.js';

describe('localRunner', () => {
  it('writes an iterable input to the program piece by piece, as given', async () => {
    const pieced: string[] = [];
    function* pieces(): Generator<string> {
      for (let i = 0; i < 3; i++) {
        pieced.push(`line ${i}`);
        yield `line ${i}\n`;
      }
    }
    expect(await localRunner().run('cat', [], { input: pieces() })).to.equal('line 0\nline 1\nline 2\n');
    expect(pieced).to.deep.equal(['line 0', 'line 1', 'line 2']);
  });

  it('writes a string input whole', async () => {
    expect(await localRunner().run('cat', [], { input: 'one\ntwo' })).to.equal('one\ntwo');
  });
});
