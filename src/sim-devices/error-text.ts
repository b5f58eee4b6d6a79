/**
 * One line saying what went wrong, for logs and job status details. aws-crt rejects
 * with CrtError objects whose `message` may be empty while `error_name` says it
 * (AWS_IO_SOCKET_TIMEOUT, ...), and some callbacks reject with bare values.
 */
export function errorText(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  const named = (error as { error_name?: unknown } | undefined)?.error_name;
  if (typeof named === 'string' && named) return named;
  return String(error);
}
