import { z } from 'zod';

/**
 * manifest.json: the contract between `detect` and `plan`. Everything plan needs to
 * know about the AWS estate is here and nothing else is read. Versioned: a breaking
 * change bumps schemaVersion. Arrays are sorted by their name key so manifests diff
 * cleanly; there is no generation timestamp for the same reason.
 */
export const MANIFEST_SCHEMA_VERSION = 1;

const StringMap = z.record(z.string(), z.string());
const JsonObject = z.record(z.string(), z.unknown());

export const CertificateStatusSchema = z.enum([
  'ACTIVE',
  'INACTIVE',
  'REVOKED',
  'PENDING_TRANSFER',
  'REGISTER_INACTIVE',
  'PENDING_ACTIVATION',
]);

const ThumbprintsSchema = z.object({
  /** Hex, upper case, no separators: the form IoT Hub's x509Thumbprint expects. */
  sha256: z.string().regex(/^[0-9A-F]{64}$/),
  sha1: z.string().regex(/^[0-9A-F]{40}$/),
});

export const ShadowSchema = z.object({
  /** null for the classic (unnamed) shadow. */
  name: z.string().nullable(),
  desired: JsonObject.nullable(),
  reported: JsonObject.nullable(),
  version: z.number().int().nonnegative(),
});

export const ThingSchema = z.object({
  thingName: z.string().min(1),
  thingArn: z.string(),
  thingId: z.string().nullable(),
  thingTypeName: z.string().nullable(),
  attributes: StringMap,
  version: z.number().int().nonnegative(),
  billingGroupName: z.string().nullable(),
  /** The MQTT client ID the device connects with; AWS's defaultClientId, else the thing name. */
  clientId: z.string().min(1),
  /** Names of the static and dynamic groups the thing belongs to, sorted. */
  groups: z.array(z.string()),
  /** Principal ARNs attached to the thing (certificates, and anything else AWS returns). */
  principals: z.array(z.string()),
  /** IDs of the certificates among the principals; details in the top-level `certificates`. */
  certificateIds: z.array(z.string()),
  shadows: z.array(ShadowSchema),
});

export const ThingTypeSchema = z.object({
  thingTypeName: z.string().min(1),
  thingTypeArn: z.string(),
  description: z.string().nullable(),
  searchableAttributes: z.array(z.string()),
  deprecated: z.boolean(),
});

export const ThingGroupSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('static'),
    groupName: z.string().min(1),
    groupArn: z.string(),
    parentGroupName: z.string().nullable(),
    description: z.string().nullable(),
    attributes: StringMap,
    /** Thing names directly in the group, sorted. */
    members: z.array(z.string()),
  }),
  z.object({
    kind: z.literal('dynamic'),
    groupName: z.string().min(1),
    groupArn: z.string(),
    parentGroupName: z.string().nullable(),
    description: z.string().nullable(),
    attributes: StringMap,
    members: z.array(z.string()),
    queryString: z.string(),
    indexName: z.string().nullable(),
    queryVersion: z.string().nullable(),
    status: z.string().nullable(),
  }),
]);

export const CertificateSchema = z.object({
  certificateId: z.string().min(1),
  certificateArn: z.string(),
  status: CertificateStatusSchema,
  /** Public certificate only. iotmigrate never reads private keys. */
  certificatePem: z.string().startsWith('-----BEGIN CERTIFICATE-----'),
  thumbprints: ThumbprintsSchema,
  issuer: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('aws') }),
    z.object({ kind: z.literal('registered-ca'), caCertificateId: z.string() }),
  ]),
  subjectCommonName: z.string().nullable(),
  issuerCommonName: z.string().nullable(),
  validity: z.object({ notBefore: z.string(), notAfter: z.string() }),
  certificateMode: z.string().nullable(),
  /** Things this certificate is attached to, sorted. */
  things: z.array(z.string()),
  /** Policies attached to this certificate, sorted. */
  policies: z.array(z.string()),
});

export const CaCertificateSchema = z.object({
  certificateId: z.string().min(1),
  certificateArn: z.string(),
  status: z.enum(['ACTIVE', 'INACTIVE']),
  certificatePem: z.string().startsWith('-----BEGIN CERTIFICATE-----'),
  thumbprints: ThumbprintsSchema,
  subjectCommonName: z.string().nullable(),
  autoRegistrationStatus: z.string().nullable(),
});

export const PolicySchema = z.object({
  policyName: z.string().min(1),
  policyArn: z.string(),
  defaultVersionId: z.string().nullable(),
  /** The policy document, parsed from the JSON string AWS returns. */
  document: JsonObject,
  /** ARNs the policy is attached to (certificates, thing groups, Cognito identities), sorted. */
  targets: z.array(z.string()),
});

const RuleActionSchema = z.object({
  /** The AWS action key: lambda, republish, s3, sqs, kinesis, firehose, http, ... */
  type: z.string(),
  config: JsonObject,
});

export const TopicRuleSchema = z.object({
  ruleName: z.string().min(1),
  ruleArn: z.string(),
  sql: z.string(),
  awsIotSqlVersion: z.string().nullable(),
  description: z.string().nullable(),
  enabled: z.boolean(),
  actions: z.array(RuleActionSchema),
  errorAction: RuleActionSchema.nullable(),
});

export const JobSchema = z.object({
  jobId: z.string().min(1),
  jobArn: z.string(),
  status: z.string(),
  targetSelection: z.string().nullable(),
  thingGroupId: z.string().nullable(),
  createdAt: z.string().nullable(),
  completedAt: z.string().nullable(),
});

export const FirmwareFileFindingSchema = z.object({
  /** Path relative to the repo root, with forward slashes. */
  path: z.string(),
  flavours: z.array(z.enum(['aws-iot-device-sdk-v1', 'aws-iot-device-sdk-v2', 'mqtt'])),
  publishes: z.array(z.string()),
  subscribes: z.array(z.string()),
  usesShadow: z.boolean(),
  usesJobs: z.boolean(),
  usesProvisioning: z.boolean(),
});

export const FirmwareRepoSchema = z.object({
  /** The repo path as given to detect, relative to where detect ran. */
  path: z.string(),
  packageName: z.string().nullable(),
  flavours: z.array(z.enum(['aws-iot-device-sdk-v1', 'aws-iot-device-sdk-v2', 'mqtt'])),
  filesScanned: z.number().int().nonnegative(),
  files: z.array(FirmwareFileFindingSchema),
});

export const FindingSchema = z.object({
  /** A stable kebab-case code, e.g. thing-without-certificate, certificate-shared. */
  code: z.string(),
  subject: z.string(),
  message: z.string(),
});

export const ManifestSchema = z.object({
  schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
  source: z.object({
    accountId: z.string().nullable(),
    region: z.string(),
    /** The control-plane endpoint detect read from, when it was not the default. */
    controlEndpoint: z.string().nullable(),
    /** The ATS data endpoint devices connect to (DescribeEndpoint iot:Data-ATS). */
    dataEndpoint: z.string(),
  }),
  things: z.array(ThingSchema),
  thingTypes: z.array(ThingTypeSchema),
  thingGroups: z.array(ThingGroupSchema),
  certificates: z.array(CertificateSchema),
  caCertificates: z.array(CaCertificateSchema),
  policies: z.array(PolicySchema),
  topicRules: z.array(TopicRuleSchema),
  jobs: z.array(JobSchema),
  firmware: z.array(FirmwareRepoSchema),
  findings: z.array(FindingSchema),
});

export type Manifest = z.infer<typeof ManifestSchema>;
export type Thing = z.infer<typeof ThingSchema>;
export type ThingType = z.infer<typeof ThingTypeSchema>;
export type ThingGroup = z.infer<typeof ThingGroupSchema>;
export type Certificate = z.infer<typeof CertificateSchema>;
export type CaCertificate = z.infer<typeof CaCertificateSchema>;
export type Policy = z.infer<typeof PolicySchema>;
export type TopicRule = z.infer<typeof TopicRuleSchema>;
export type Job = z.infer<typeof JobSchema>;
export type Shadow = z.infer<typeof ShadowSchema>;
export type FirmwareRepo = z.infer<typeof FirmwareRepoSchema>;
export type FirmwareFileFinding = z.infer<typeof FirmwareFileFindingSchema>;
export type Finding = z.infer<typeof FindingSchema>;

export function manifestJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ManifestSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
}
