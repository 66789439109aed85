import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { V2AccessError, V2NotServedError, V2OptionsError, V2UnavailableError } from '../../../lib/migrate/errors.js';
import { migrateCommandLine, v2ConfigHint } from '../../../lib/migrate/hint.js';
import { V2Reader } from '../../../lib/migrate/v2-reader.js';
import { freePort } from '../../support/etcd.js';

type Route = (url: URL, request: http.IncomingMessage) => { status: number; body: unknown };

/** An HTTP server standing in for etcd's v2 keys API. */
async function fakeEtcd(route: Route): Promise<{ endpoint: string; close: () => Promise<void>; urls: string[] }> {
  const urls: string[] = [];
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    urls.push(url.pathname + url.search);
    const { status, body } = route(url, request);
    response.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    urls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const TREE = {
  action: 'get',
  node: {
    key: '/k8s.ovs.com/ovs/network', dir: true, nodes: [
      { key: '/k8s.ovs.com/ovs/network/k8ssdn', dir: true, nodes: [
        { key: '/k8s.ovs.com/ovs/network/k8ssdn/subnets', dir: true, nodes: [
          { key: '/k8s.ovs.com/ovs/network/k8ssdn/subnets/10.0.0.1', value: '{"Host":"a"}' },
        ] },
        { key: '/k8s.ovs.com/ovs/network/k8ssdn/netnamespaces', dir: true },
      ] },
      { key: '/k8s.ovs.com/ovs/network/config', value: '{"Name":"k8ssdn"}' },
    ],
  },
};
const NOT_FOUND = { errorCode: 100, message: 'Key not found', cause: '/x', index: 3 };

describe('etcd v2 reader', () => {
  const servers: Array<{ close: () => Promise<void> }> = [];
  after(async () => {
    for (const server of servers) await server.close();
  });
  async function serve(route: Route) {
    const server = await fakeEtcd(route);
    servers.push(server);
    return server;
  }

  it('reads the whole tree in one recursive quorum GET and flattens it to relative keys', async () => {
    const server = await serve(() => ({ status: 200, body: TREE }));
    const reader = await V2Reader.open({ endpoints: [server.endpoint] });
    expect(await reader.readTree('/k8s.ovs.com/ovs/network/')).to.deep.equal([
      { key: 'config', value: '{"Name":"k8ssdn"}' },
      { key: 'k8ssdn/subnets/10.0.0.1', value: '{"Host":"a"}' },
    ]);
    expect(server.urls).to.deep.equal(['/v2/keys/k8s.ovs.com/ovs/network?recursive=true&quorum=true']);
  });

  it('treats a missing prefix or key as empty', async () => {
    const server = await serve(() => ({ status: 404, body: NOT_FOUND }));
    const reader = await V2Reader.open({ endpoints: [server.endpoint.replace('http://', '')] });
    expect(await reader.readTree('/nothing')).to.deep.equal([]);
    expect(await reader.readKey('/nothing/config')).to.equal(null);
  });

  it('says how to enable v2 when etcd does not serve it', async () => {
    const server = await serve(() => ({ status: 404, body: '404 page not found\n' }));
    const reader = await V2Reader.open({ endpoints: [server.endpoint] });
    const error = await reader.readTree('/p').catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(V2NotServedError);
    expect((error as Error).message).to.include('--enable-v2=true');
  });

  it('sends basic auth and reports a refusal as an access error', async () => {
    const server = await serve((_url, request) => request.headers.authorization === `Basic ${Buffer.from('root:secret').toString('base64')}`
      ? { status: 200, body: { action: 'get', node: { key: '/p/config', value: 'v' } } }
      : { status: 401, body: { errorCode: 110, message: 'The request requires user authentication' } });
    const good = await V2Reader.open({ endpoints: [server.endpoint], username: 'root', password: 'secret' });
    expect(await good.readKey('/p/config')).to.equal('v');
    const bad = await V2Reader.open({ endpoints: [server.endpoint], username: 'root', password: 'wrong' });
    const error = await bad.readKey('/p/config').catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(V2AccessError);
    expect((error as Error).message).to.include('requires user authentication');
  });

  it('moves on to the next endpoint when one does not answer, and fails when none does', async () => {
    const server = await serve(() => ({ status: 200, body: TREE }));
    const dead = `http://127.0.0.1:${await freePort()}`;
    const reader = await V2Reader.open({ endpoints: [dead, server.endpoint] });
    expect(await reader.readTree('/k8s.ovs.com/ovs/network')).to.have.length(2);
    const none = await V2Reader.open({ endpoints: [dead] });
    expect(await none.readTree('/p').catch((caught: unknown) => caught)).to.be.instanceOf(V2UnavailableError);
  });

  it('rejects half-given credentials before any request', async () => {
    const error = await V2Reader.open({ endpoints: ['http://x:1'], certFile: '/c.pem' }).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(V2OptionsError);
  });
});

describe('v2 config hint for the daemon', () => {
  const servers: Array<{ close: () => Promise<void> }> = [];
  after(async () => {
    for (const server of servers) await server.close();
  });

  it('gives the migrate command when the endpoints serve a v2 config at the prefix', async () => {
    const server = await fakeEtcd((url) => url.pathname === '/v2/keys/k8s.ovs.com/ovs/network/config'
      ? { status: 200, body: { action: 'get', node: { key: '/k8s.ovs.com/ovs/network/config', value: '{}' } } }
      : { status: 404, body: NOT_FOUND });
    servers.push(server);
    expect(await v2ConfigHint({ endpoints: [server.endpoint], prefix: '/k8s.ovs.com/ovs/network' })).to.equal(
      `k8s-ovs-adm migrate --from-v2=${server.endpoint} --etcd-endpoints=${server.endpoint} --etcd-prefix=/k8s.ovs.com/ovs/network`);
    expect(await v2ConfigHint({ endpoints: [server.endpoint], prefix: '/other' })).to.equal(undefined);
  });

  it('looks for <prefix>/<network>/config, and names --network, for a daemon run with the original\'s --network', async () => {
    const server = await fakeEtcd((url) => url.pathname === '/v2/keys/k8s.ovs.com/ovs/network/prod/config'
      ? { status: 200, body: { action: 'get', node: { key: '/k8s.ovs.com/ovs/network/prod/config', value: '{}' } } }
      : { status: 404, body: NOT_FOUND });
    servers.push(server);
    expect(await v2ConfigHint({ endpoints: [server.endpoint], prefix: '/k8s.ovs.com/ovs/network' }, 'prod')).to.equal(
      `k8s-ovs-adm migrate --from-v2=${server.endpoint} --etcd-endpoints=${server.endpoint} --etcd-prefix=/k8s.ovs.com/ovs/network --network=prod`);
    expect(await v2ConfigHint({ endpoints: [server.endpoint], prefix: '/k8s.ovs.com/ovs/network' })).to.equal(undefined);
  });

  it('gives nothing when the endpoints do not serve v2 or do not answer', async () => {
    const server = await fakeEtcd(() => ({ status: 404, body: '404 page not found' }));
    servers.push(server);
    expect(await v2ConfigHint({ endpoints: [server.endpoint], prefix: '/p' })).to.equal(undefined);
    expect(await v2ConfigHint({ endpoints: [`127.0.0.1:${await freePort()}`], prefix: '/p' })).to.equal(undefined);
  });

  it('repeats TLS and user flags for both sides and never echoes the password', () => {
    expect(migrateCommandLine({
      endpoints: ['https://10.0.0.1:2379', 'https://10.0.0.2:2379'], prefix: '/k8s.ovs.com/ovs/network/',
      caFile: '/etc/etcd/ca.pem', certFile: '/etc/etcd/my client.pem', keyFile: '/etc/etcd/key.pem',
      username: 'root', password: 'hunter2',
    })).to.equal('k8s-ovs-adm migrate --from-v2=https://10.0.0.1:2379,https://10.0.0.2:2379 ' +
      '--etcd-endpoints=https://10.0.0.1:2379,https://10.0.0.2:2379 --etcd-prefix=/k8s.ovs.com/ovs/network ' +
      '--v2-cafile=/etc/etcd/ca.pem --etcd-cafile=/etc/etcd/ca.pem ' +
      "--v2-certfile='/etc/etcd/my client.pem' --etcd-certfile='/etc/etcd/my client.pem' " +
      '--v2-keyfile=/etc/etcd/key.pem --etcd-keyfile=/etc/etcd/key.pem ' +
      '--v2-username=root --etcd-username=root --v2-password=PASSWORD --etcd-password=PASSWORD');
  });
});
