// The migration's error types: what went wrong reading etcd v2 or writing the v3 transaction.

/** Base of every error the migration raises. */
export class MigrateError extends Error {
  override name = 'MigrateError';
}

/** The v2 connection options are inconsistent or a TLS file cannot be read. */
export class V2OptionsError extends MigrateError {
  override name = 'V2OptionsError';
}

/** No v2 endpoint answered; `cause` keeps the last network error. */
export class V2UnavailableError extends MigrateError {
  override name = 'V2UnavailableError';
}

/** The endpoint answers HTTP but not the v2 keys API (etcd 3.4/3.5 without --enable-v2=true). */
export class V2NotServedError extends MigrateError {
  override name = 'V2NotServedError';
}

/** etcd v2 refused the credentials (HTTP 401/403). */
export class V2AccessError extends MigrateError {
  override name = 'V2AccessError';
}

/** etcd v2 answered something this reader does not understand. */
export class V2ResponseError extends MigrateError {
  override name = 'V2ResponseError';
}

/** The v2 tree holds no key under the prefix: wrong endpoint or prefix, or nothing to migrate. */
export class EmptySourceError extends MigrateError {
  override name = 'EmptySourceError';
}

/** A target key changed between planning and writing; nothing was written. */
export class MigrationRaceError extends MigrateError {
  override name = 'MigrationRaceError';
  constructor(readonly keys: readonly string[]) {
    super(`etcd v3 changed while migrating (${keys.join(', ')}): nothing was written; run the migration again`);
  }
}

/** The single transaction has more operations than etcd accepts (--max-txn-ops); nothing was written. */
export class MigrationTooLargeError extends MigrateError {
  override name = 'MigrationTooLargeError';
  constructor(readonly operations: number, options?: ErrorOptions) {
    super(`the migration needs ${operations} operations in one etcd transaction, more than etcd accepts ` +
      `(--max-txn-ops, 128 by default): nothing was written; run etcd with --max-txn-ops=${operations} ` +
      'or more while migrating', options);
  }
}
