// The admin CLI's errors: each says what went wrong and what to fix, and carries the exit status.

/** The command could not do its job (etcd, the master, a record); exit status 1. */
export class AdmError extends Error {
  override name = 'AdmError';
  readonly exitCode: number = 1;
}

/** The command line is wrong; exit status 2, like yargs' own usage errors. */
export class UsageError extends AdmError {
  override name = 'UsageError';
  override readonly exitCode: number = 2;
}
