// Typed errors of the reference evaluator.

/** A NetworkPolicy the API server would reject; names the field path and the bad value. */
export class InvalidNetworkPolicyError extends Error {
  constructor(
    readonly policy: string,
    readonly field: string,
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(`NetworkPolicy ${policy}: ${field}: ${reason} (got ${JSON.stringify(value)})`);
    this.name = 'InvalidNetworkPolicyError';
  }
}

/** A probe or cluster state that refers to something the state does not contain. */
export class InconsistentClusterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InconsistentClusterError';
  }
}
