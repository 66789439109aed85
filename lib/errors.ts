// What a caught value says: a catch clause receives `unknown`, and a message or a log line needs text.

/** The message of an Error, else the value itself as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The errno code (ENOENT, EEXIST, ...) of a failed system call, if `error` is one. */
export function errnoCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
