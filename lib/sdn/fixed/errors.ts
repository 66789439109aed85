// Why a fixed address could not be given; the CNI backend turns each into its CNI error code.

/** The pod's annotations ask for something that cannot be given (malformed, outside its pools, reserved). */
export class FixedRequestError extends Error {
  override name = 'FixedRequestError';
}

/** The address (or the MAC) is claimed by another pod. */
export class AddressConflictError extends Error {
  override name = 'AddressConflictError';
}

/** Every address of the pool or list is claimed. */
export class PoolExhaustedError extends Error {
  override name = 'PoolExhaustedError';
}

/** The pool cannot be used yet (the master has not accepted it, or this node has not caught up): retry. */
export class PoolNotReadyError extends Error {
  override name = 'PoolNotReadyError';
}
