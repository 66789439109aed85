import { expect } from 'chai';
import {
  ClientClosedError, EtcdLeaseInvalidError, EtcdPermissionDeniedError, GRPCUnavailableError,
} from 'etcd3';
import {
  LeaseLostError, StoreAccessError, StoreClosedError, StoreCompactedError, StoreError, StoreUnavailableError,
  translateEtcdError,
} from '../../../lib/etcd/errors.js';

describe('etcd error translation', () => {
  const cases: Array<[string, unknown, new (...args: never[]) => StoreError]> = [
    ['an unreachable server', new GRPCUnavailableError('14 UNAVAILABLE: No connection established'), StoreUnavailableError],
    ['an open circuit breaker', Object.assign(new Error('Execution prevented because the circuit breaker is open'), { isBrokenCircuitError: true }), StoreUnavailableError],
    ['a closed client', new ClientClosedError('KV'), StoreClosedError],
    ['a refused permission', new EtcdPermissionDeniedError('etcdserver: permission denied'), StoreAccessError],
    ['an expired lease', new EtcdLeaseInvalidError('123'), LeaseLostError],
    ['a compacted watch', new Error('Watcher canceled: etcdserver: mvcc: required revision has been compacted'), StoreCompactedError],
    ['anything else', new Error('boom'), StoreError],
    ['a thrown string', 'boom', StoreError],
  ];
  for (const [what, error, type] of cases) {
    it(`turns ${what} into ${type.name}, keeping the context`, () => {
      const translated = translateEtcdError(error, 'get k8ssdn/config');
      expect(translated).to.be.instanceOf(type);
      expect(translated.message).to.match(/^get k8ssdn\/config: /);
    });
  }

  it('passes a StoreError through unchanged', () => {
    const error = new StoreClosedError('x');
    expect(translateEtcdError(error, 'y')).to.equal(error);
  });
});
