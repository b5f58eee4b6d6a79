import type { Certificate, Job, Shadow, ThingType, TopicRule } from '../manifest/schema.js';

/**
 * What the AWS readers return, as plain JSON-safe data (ISO strings for times, null for
 * absent values), so a checkpoint can hold it and give back exactly what was read. The
 * manifest is assembled from these in one pure step (assemble-manifest.ts).
 */
export interface ThingReading {
  thingName: string;
  thingArn: string;
  thingId: string | null;
  thingTypeName: string | null;
  attributes: Record<string, string>;
  version: number;
  billingGroupName: string | null;
  defaultClientId: string | null;
}

export interface ThingGroupReading {
  groupName: string;
  groupArn: string;
  parentGroupName: string | null;
  description: string | null;
  attributes: Record<string, string>;
  /** Set for dynamic groups: their membership is the result of a fleet-index query. */
  dynamic: { queryString: string; indexName: string | null; queryVersion: string | null; status: string | null } | null;
}

export interface CertificateReading {
  certificateId: string;
  certificateArn: string;
  status: Certificate['status'];
  certificatePem: string;
  caCertificateId: string | null;
  notBefore: string;
  notAfter: string;
  certificateMode: string | null;
}

export interface CaCertificateReading {
  certificateId: string;
  certificateArn: string;
  status: 'ACTIVE' | 'INACTIVE';
  certificatePem: string;
  autoRegistrationStatus: string | null;
}

export interface PolicyReading {
  policyName: string;
  policyArn: string;
  defaultVersionId: string | null;
  document: Record<string, unknown>;
}

export type VanishedKind = 'thing' | 'thing group' | 'certificate' | 'CA certificate' | 'policy' | 'topic rule';

export interface EstateReadings {
  source: { region: string; controlEndpoint: string | null; dataEndpoint: string };
  things: ThingReading[];
  /** Thing name → principal ARNs attached to it. */
  thingPrincipals: ReadonlyMap<string, string[]>;
  /** Thing name → its shadows; null when detect was told not to read shadows. */
  shadows: ReadonlyMap<string, Shadow[]> | null;
  thingTypes: ThingType[];
  thingGroups: ThingGroupReading[];
  /** Group name → thing names directly in it (for dynamic groups: the query's result). */
  groupMembers: ReadonlyMap<string, string[]>;
  certificates: CertificateReading[];
  caCertificates: CaCertificateReading[];
  policies: PolicyReading[];
  /** Policy name → ARNs it is attached to. */
  policyTargets: ReadonlyMap<string, string[]>;
  topicRules: TopicRule[];
  jobs: Job[];
  /** Listed, then deleted before detect could read them: the estate changed under detect. */
  vanished: { kind: VanishedKind; name: string }[];
}
