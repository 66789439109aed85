import { expect } from 'chai';
import { Writable } from 'node:stream';
import winston from 'winston';
import { ConnectionMonitor } from '../../../lib/etcd/connection.js';
import { StoreAccessError, StoreUnavailableError } from '../../../lib/etcd/errors.js';

function capturingLogger(lines: string[]): winston.Logger {
  const stream = new Writable({
    objectMode: true,
    write(info: { message: string }, _encoding, done) {
      lines.push(info.message);
      done();
    },
  });
  return winston.createLogger({ transports: [new winston.transports.Stream({ stream })] });
}

describe('etcd connection monitor', () => {
  it('logs each change of state once, not every failed retry', () => {
    const lines: string[] = [];
    const monitor = new ConnectionMonitor(capturingLogger(lines), ['http://127.0.0.1:2379']);
    const states: string[] = [];
    monitor.onChange((state) => states.push(state));
    monitor.up();
    for (let i = 0; i < 5; i++) monitor.observe(new StoreUnavailableError('down'));
    monitor.observe(new StoreAccessError('etcd answered: permission denied'));
    monitor.up();
    expect(lines).to.deep.equal(['etcd connected', 'etcd connection lost', 'etcd connection restored']);
    expect(states).to.deep.equal(['up', 'down', 'up']);
  });
});
