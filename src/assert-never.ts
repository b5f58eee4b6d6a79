/** Closes a switch over a discriminated union: adding a variant becomes a compile error. */
export function assertNever(value: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(value)}`);
}
