/**
 * IoT Hub device IDs: case-sensitive, up to 128 ASCII letters and digits plus
 * - : . + % _ # * ? ! ( ) , = @ ; $ ' (the registry's documented set). AWS client IDs
 * allow far more, so some devices cannot keep their ID on Azure.
 */
const ALLOWED = /[A-Za-z0-9\-:.+%_#*?!(),=@;$']/;
const MAX_LENGTH = 128;

export function deviceIdProblem(deviceId: string): string | undefined {
  if (deviceId.length > MAX_LENGTH) return `is ${deviceId.length} characters long; Azure device IDs have at most ${MAX_LENGTH}`;
  const rejected = [...new Set([...deviceId].filter((char) => !ALLOWED.test(char)))];
  if (rejected.length > 0) {
    return `contains ${rejected.map((char) => JSON.stringify(char)).join(', ')}, which Azure device IDs cannot (letters, digits and - : . + % _ # * ? ! ( ) , = @ ; $ ' only)`;
  }
  return undefined;
}
