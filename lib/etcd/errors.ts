// The store's error types, and the one place where etcd3 and gRPC errors are translated into them.
import {
  ClientClosedError,
  EtcdAuthenticationFailedError,
  EtcdInvalidAuthTokenError,
  EtcdLeaseInvalidError,
  EtcdPermissionDeniedError,
  EtcdWatchStreamEnded,
  GRPCUnauthenticatedError,
  NotCampaigningError,
  isRecoverableError,
} from 'etcd3';

/** Base of every error the store raises; `cause` keeps the etcd3 error. */
export class StoreError extends Error {
  override name = 'StoreError';
}

/** etcd could not be reached or did not answer in time; retrying later may succeed. */
export class StoreUnavailableError extends StoreError {
  override name = 'StoreUnavailableError';
}

/** The store was closed by its owner. */
export class StoreClosedError extends StoreError {
  override name = 'StoreClosedError';
}

/** etcd refused the credentials or the user's role does not allow the operation. */
export class StoreAccessError extends StoreError {
  override name = 'StoreAccessError';
}

/** The requested revision was compacted away; relist to continue. */
export class StoreCompactedError extends StoreError {
  override name = 'StoreCompactedError';
}

/** The lease behind an election or fence expired; leadership is gone. */
export class LeaseLostError extends StoreError {
  override name = 'LeaseLostError';
}

/** A fenced write was refused because its writer no longer holds the election. */
export class LeadershipLostError extends StoreError {
  override name = 'LeadershipLostError';
}

function isBrokenCircuit(error: Error): boolean {
  // cockatiel's breaker (inside etcd3) is open after repeated failures: etcd is down.
  return (error as { isBrokenCircuitError?: boolean }).isBrokenCircuitError === true;
}

/** Translates anything thrown by etcd3 into a StoreError; StoreErrors pass through unchanged. */
export function translateEtcdError(error: unknown, context: string): StoreError {
  if (error instanceof StoreError) return error;
  if (!(error instanceof Error)) return new StoreError(`${context}: ${String(error)}`);
  const message = `${context}: ${error.message}`;
  const options = { cause: error };
  if (error instanceof ClientClosedError) return new StoreClosedError(message, options);
  if (error instanceof EtcdLeaseInvalidError || error instanceof NotCampaigningError) {
    return new LeaseLostError(message, options);
  }
  if (error instanceof EtcdAuthenticationFailedError || error instanceof EtcdInvalidAuthTokenError ||
      error instanceof EtcdPermissionDeniedError || error instanceof GRPCUnauthenticatedError) {
    return new StoreAccessError(message, options);
  }
  if (/compacted/.test(error.message)) return new StoreCompactedError(message, options);
  if (isRecoverableError(error) || isBrokenCircuit(error) || error instanceof EtcdWatchStreamEnded ||
      /ECONNREFUSED|UNAVAILABLE|No connection established|deadline/i.test(error.message)) {
    return new StoreUnavailableError(message, options);
  }
  return new StoreError(message, options);
}
