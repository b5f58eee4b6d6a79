/** The AWS IoT services a device reaches through reserved `$aws/...` topics. */
export type ReservedTopicService = 'shadow' | 'jobs' | 'provisioning';

const SHADOW_TOPIC = /^\$aws\/things\/[^/]+\/shadow(\/|$)/;
const JOBS_TOPIC = /^\$aws\/things\/[^/]+\/jobs(\/|$)/;
/** Fleet provisioning: CreateKeysAndCertificate, CreateCertificateFromCsr, RegisterThing. */
const PROVISIONING_PREFIXES = ['$aws/certificates/create', '$aws/provisioning-templates/'];

export function reservedTopicService(topic: string): ReservedTopicService | undefined {
  if (SHADOW_TOPIC.test(topic)) return 'shadow';
  if (JOBS_TOPIC.test(topic)) return 'jobs';
  if (PROVISIONING_PREFIXES.some((prefix) => topic.startsWith(prefix))) return 'provisioning';
  return undefined;
}

export function isAwsReservedTopic(topic: string): boolean {
  return topic.startsWith('$aws/');
}
