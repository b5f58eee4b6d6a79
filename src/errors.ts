/**
 * The one error family. Every error a user can fix carries what went wrong and the
 * next step; the top-level handler in cli.ts prints it as one line and maps it to an
 * exit code. Anything that is not an IotMigrateError is a bug (exit 1, with stack).
 */
export const ExitCode = {
  ok: 0,
  bug: 1,
  badInput: 2,
  cloud: 3,
  devicesNotMigrated: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class IotMigrateError extends Error {
  abstract readonly exitCode: ExitCode;
  /** What the user should do next; printed after the message. */
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** Bad flags, a missing or malformed input file: exit 2. */
export class UsageError extends IotMigrateError {
  readonly exitCode = ExitCode.badInput;
}

/** An input file that exists but does not match its contract: exit 2. */
export class InputError extends IotMigrateError {
  readonly exitCode = ExitCode.badInput;
}

/** The cloud refused, could not be reached, or the credentials are missing: exit 3. */
export class CloudError extends IotMigrateError {
  readonly exitCode = ExitCode.cloud;
}

export function isIotMigrateError(error: unknown): error is IotMigrateError {
  return error instanceof IotMigrateError;
}

export function formatUserError(error: IotMigrateError): string {
  return error.hint ? `${error.message}\n  → ${error.hint}` : error.message;
}
