import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { JsonStreamSplitter, OvsdbClient, OvsdbError } from '../../../lib/ovs/ovsdb.js';

type Request = { method: string; params: unknown[]; id: unknown };

/** A stand-in ovsdb-server: answers each request with `answer`, split into awkward chunks. */
class FakeServer {
  readonly requests: Request[] = [];
  readonly connections: net.Socket[] = [];
  echoReplies: unknown[] = [];
  answer: (request: Request) => unknown = () => [{}];
  private server: net.Server | undefined;

  async start(socketPath: string): Promise<void> {
    this.server = net.createServer((socket) => {
      this.connections.push(socket);
      const splitter = new JsonStreamSplitter();
      let writes = Promise.resolve();
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        for (const text of splitter.push(chunk)) {
          const message = JSON.parse(text) as Request & { result?: unknown };
          if (message.id === 'echo') { this.echoReplies.push(message.result); continue; }
          this.requests.push(message);
          const reply = this.answer(message);
          if (reply === undefined) continue;
          const wire = JSON.stringify({ id: message.id, result: reply, error: null });
          // Two halves, the first ending inside a string, to exercise the stream splitter; replies stay in order.
          writes = writes.then(async () => {
            socket.write(wire.slice(0, 7));
            await new Promise((resolve) => setTimeout(resolve, 2));
            socket.write(wire.slice(7));
          });
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(socketPath, resolve));
  }

  async stop(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

describe('OvsdbClient', () => {
  let dir: string;
  let socketPath: string;
  let server: FakeServer;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kovs-ovsdb-'));
    socketPath = path.join(dir, 'db.sock');
    server = new FakeServer();
    await server.start(socketPath);
  });

  afterEach(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends a transaction on the Open_vSwitch database and returns one result per operation', async () => {
    server.answer = () => [{ rows: [{ name: 'a"}b' }] }];
    const client = new OvsdbClient(socketPath);
    const results = await client.transact([{ op: 'select', table: 'Port', where: [], columns: ['name'] }]);
    expect(results).to.deep.equal([{ rows: [{ name: 'a"}b' }] }]);
    expect(server.requests[0]).to.deep.include({ method: 'transact' });
    expect(server.requests[0]!.params[0]).to.equal('Open_vSwitch');
    client.close();
  });

  it('reuses one connection for many requests, in flight together', async () => {
    server.answer = (request) => [{ count: request.id }];
    const client = new OvsdbClient(socketPath);
    const results = await Promise.all([1, 2, 3].map(() => client.transact([{ op: 'delete', table: 'QoS', where: [] }])));
    expect(new Set(results.map(([r]) => r!.count)).size).to.equal(3);
    expect(server.connections).to.have.length(1);
    client.close();
  });

  it('names the failed operation, and a failed commit', async () => {
    const client = new OvsdbClient(socketPath);
    server.answer = () => [{}, { error: 'constraint violation', details: 'no such bridge' }];
    const error = await client.transact([{ op: 'select', table: 'Port', where: [] }, { op: 'delete', table: 'Bridge', where: [] }])
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(OvsdbError);
    expect((error as Error).message).to.equal('OVSDB delete on Bridge failed: constraint violation (no such bridge)');
    server.answer = () => [{}, { error: 'referential integrity violation' }];
    const commit = await client.transact([{ op: 'delete', table: 'QoS', where: [] }]).catch((e: unknown) => e);
    expect((commit as Error).message).to.equal('OVSDB commit failed: referential integrity violation');
    client.close();
  });

  it('answers the server\'s echo so the connection is kept', async () => {
    const client = new OvsdbClient(socketPath);
    await client.transact([]);
    server.connections[0]!.write(JSON.stringify({ method: 'echo', params: ['ping'], id: 'echo' }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.echoReplies).to.deep.equal([['ping']]);
    client.close();
  });

  it('fails what is in flight when the server goes away, and connects afresh for the next request', async () => {
    const client = new OvsdbClient(socketPath);
    server.answer = () => undefined;
    const inFlight = client.transact([]).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 20));
    server.connections[0]!.destroy();
    expect(await inFlight).to.be.instanceOf(OvsdbError);
    server.answer = () => [];
    expect(await client.transact([])).to.deep.equal([]);
    expect(server.connections).to.have.length(2);
    client.close();
  });

  it('gives up on a request that gets no answer in time', async () => {
    const client = new OvsdbClient(socketPath, { timeoutMs: 50 });
    server.answer = () => undefined;
    const error = await client.transact([]).catch((e: unknown) => e);
    expect((error as Error).message).to.match(/did not answer transact within 50 ms/);
  });

  it('follows a table with monitor: its rows now, each update after, and the end of the connection', async () => {
    const client = new OvsdbClient(socketPath);
    server.answer = (request) => (request.method === 'monitor' ? { Bridge: { u1: { new: { name: 'br0' } } } } : []);
    const updates: unknown[] = [];
    let lost: Error | undefined;
    const initial = await client.monitor('Bridge', ['name'], { update: (rows) => updates.push(rows), lost: (e) => { lost = e; } });
    expect(initial).to.deep.equal({ u1: { new: { name: 'br0' } } });
    const [, monitorId, tables] = server.requests[0]!.params as [string, string, unknown];
    expect(tables).to.deep.equal({ Bridge: { columns: ['name'] } });
    server.connections[0]!.write(JSON.stringify({ method: 'update', params: [monitorId, { Bridge: { u1: { old: { name: 'br0' } } } }], id: null }));
    server.connections[0]!.write(JSON.stringify({ method: 'update', params: ['another-monitor', { Bridge: { u2: {} } }], id: null }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(updates).to.deep.equal([{ u1: { old: { name: 'br0' } } }]);
    server.connections[0]!.destroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lost).to.be.instanceOf(OvsdbError);
    client.close();
  });

  it('says where it could not connect', async () => {
    const client = new OvsdbClient(path.join(dir, 'missing.sock'));
    const error = await client.transact([]).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(OvsdbError);
    expect((error as Error).message).to.include('cannot reach ovsdb-server at');
  });
});

describe('JsonStreamSplitter', () => {
  it('splits back-to-back messages, across chunks and around braces inside strings', () => {
    const splitter = new JsonStreamSplitter();
    expect(splitter.push('{"a":"}{\\"x"}{"b":[1,')).to.deep.equal(['{"a":"}{\\"x"}']);
    expect(splitter.push('2]}\n{"c":{}}')).to.deep.equal(['{"b":[1,2]}', '{"c":{}}']);
    expect(splitter.push('')).to.deep.equal([]);
  });
});
