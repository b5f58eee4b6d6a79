/**
 * A loopback address of its own for each test file's sandbox, so files run in parallel
 * on the standard ports without fighting over them (all of 127.0.0.0/8 is loopback on
 * Linux). 127.0.0.1 is left to the CLI's default sandbox.
 */
export function uniqueLoopbackHost(): string {
  const octet = () => 1 + Math.floor(Math.random() * 254);
  return `127.${octet()}.${octet()}.${1 + Math.floor(Math.random() * 253) + 1}`;
}
