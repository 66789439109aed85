import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { replaceEndpoints } from '../../../lib/etcd/endpoints.js';

/** The pool's host names, read the way endpoints.ts reads them (no connection is ever made here). */
const hostsOf = (client: Etcd3) => (client as unknown as { pool: { hosts: Array<{ host: string }> } }).pool.hosts;

describe('etcd endpoints changed while running', () => {
  it('keeps the hosts that stay (and their connections), adds the new ones and drops the removed ones', () => {
    const client = new Etcd3({ hosts: ['http://10.0.0.1:2379', 'http://10.0.0.2:2379', 'http://10.0.0.3:2379'] });
    try {
      const [first, second] = hostsOf(client);
      const change = replaceEndpoints(client, { hosts: ['http://10.0.0.1:2379', 'http://10.0.0.2:2379', 'http://10.0.0.4:2379'] }, 10);
      expect(change).to.deep.equal({ added: ['10.0.0.4:2379'], removed: ['10.0.0.3:2379'] });
      const hosts = hostsOf(client);
      expect(hosts.map((h) => h.host)).to.deep.equal(['10.0.0.1:2379', '10.0.0.2:2379', '10.0.0.4:2379']);
      expect(hosts[0]).to.equal(first);
      expect(hosts[1]).to.equal(second);
    } finally {
      client.close();
    }
  });

  it('refuses an empty list and leaves the client as it was', () => {
    const client = new Etcd3({ hosts: ['http://10.0.0.1:2379'] });
    try {
      expect(() => replaceEndpoints(client, { hosts: [] }, 10)).to.throw(/none given/);
      expect(hostsOf(client).map((h) => h.host)).to.deep.equal(['10.0.0.1:2379']);
    } finally {
      client.close();
    }
  });
});
