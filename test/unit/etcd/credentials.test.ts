// Checking and reading the TLS files and user of an etcd connection, as the v3 store and the v2 reader share it.
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type CredentialOptions, readCredentials, withScheme } from '../../../lib/etcd/credentials.js';

class TestOptionsError extends Error {}

const invalid = (message: string): Error => new TestOptionsError(message);

describe('etcd credentials', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(path.join(tmpdir(), 'k8s-ovs-creds-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('reads the TLS files given and passes the user on', async () => {
    const files = { caFile: path.join(dir, 'ca.pem'), certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'key.pem') };
    await writeFile(files.caFile, 'CA');
    await writeFile(files.certFile, 'CERT');
    await writeFile(files.keyFile, 'KEY');
    const { tls, auth } = await readCredentials({ ...files, username: 'root', password: 'pw' }, invalid);
    expect([tls.ca?.toString(), tls.cert?.toString(), tls.key?.toString()]).to.deep.equal(['CA', 'CERT', 'KEY']);
    expect(auth).to.deep.equal({ username: 'root', password: 'pw' });
  });

  it('gives no TLS files and no user when none are configured', async () => {
    const credentials = await readCredentials({}, invalid);
    expect(credentials.tls).to.deep.equal({ ca: undefined, cert: undefined, key: undefined });
    expect(credentials.auth).to.equal(undefined);
  });

  const bad: Array<[string, CredentialOptions, RegExp]> = [
    ['a key without certificate', { keyFile: 'k' }, /^TLS: certFile and keyFile must be given together$/],
    ['a password without username', { password: 'p' }, /^auth: username and password must be given together$/],
    ['an unreadable file, naming the field and the path', { caFile: '/nonexistent/ca.pem' }, /^TLS: cannot read caFile "\/nonexistent\/ca.pem": /],
  ];
  for (const [what, options, message] of bad) {
    it(`rejects ${what} with the caller's error type`, async () => {
      const error = await readCredentials(options, invalid).catch((caught: unknown) => caught);
      expect(error).to.be.instanceOf(TestOptionsError);
      expect((error as Error).message).to.match(message);
    });
  }

  it('gives a bare endpoint https:// only with TLS and leaves a full URL alone', () => {
    expect(withScheme('10.0.0.1:2379', false)).to.equal('http://10.0.0.1:2379');
    expect(withScheme('10.0.0.1:2379', true)).to.equal('https://10.0.0.1:2379');
    expect(withScheme('http://10.0.0.1:2379', true)).to.equal('http://10.0.0.1:2379');
  });
});
