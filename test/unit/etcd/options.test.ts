import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StoreOptionsError, clientOptions } from '../../../lib/etcd/options.js';

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('accepted');
}

describe('etcd store options', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(path.join(tmpdir(), 'k8s-ovs-opts-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('adds http:// to bare endpoints, and https:// when a CA is given', async () => {
    expect((await clientOptions({ endpoints: ['127.0.0.1:2379'], prefix: '/p' })).hosts).to.deep.equal(['http://127.0.0.1:2379']);
    const ca = path.join(dir, 'ca.pem');
    await writeFile(ca, 'CA');
    const tls = await clientOptions({ endpoints: ['10.0.0.1:2379', 'https://10.0.0.2:2379'], prefix: '/p', caFile: ca });
    expect(tls.hosts).to.deep.equal(['https://10.0.0.1:2379', 'https://10.0.0.2:2379']);
    expect(tls.credentials?.rootCertificate.toString()).to.equal('CA');
  });

  it('passes username and password as etcd auth', async () => {
    const options = await clientOptions({ endpoints: ['e:1'], prefix: '/p', username: 'root', password: 'pw' });
    expect(options.auth).to.deep.include({ username: 'root', password: 'pw' });
  });

  const bad: Array<[string, Parameters<typeof clientOptions>[0], RegExp]> = [
    ['no endpoints', { endpoints: [], prefix: '/p' }, /none given/],
    ['a certificate without key', { endpoints: ['e:1'], prefix: '/p', certFile: 'c' }, /together/],
    ['a client certificate without CA', { endpoints: ['e:1'], prefix: '/p', certFile: 'c', keyFile: 'k' }, /caFile/],
    ['a username without password', { endpoints: ['e:1'], prefix: '/p', username: 'u' }, /together/],
    ['an unreadable CA file', { endpoints: ['e:1'], prefix: '/p', caFile: '/nonexistent/ca.pem' }, /cannot read caFile/],
  ];
  for (const [what, options, message] of bad) {
    it(`rejects ${what}`, async () => {
      const error = await rejection(clientOptions(options));
      expect(error).to.be.instanceOf(StoreOptionsError);
      expect(error.message).to.match(message);
    });
  }
});
