import { randomBytes } from 'node:crypto';

/**
 * IoT Hub's shared access policies, as a new hub has them. Rights are the ones a service
 * token's policy (`skn`) must hold for an operation; RegistryWrite implies RegistryRead.
 */
export type AccessRight = 'RegistryRead' | 'RegistryWrite' | 'ServiceConnect' | 'DeviceConnect';

export interface SharedAccessPolicy {
  keyName: string;
  primaryKey: string;
  secondaryKey: string;
  rights: AccessRight[];
}

export const OWNER_POLICY = 'iothubowner';

const DEFAULT_POLICIES: ReadonlyArray<{ keyName: string; rights: AccessRight[] }> = [
  { keyName: OWNER_POLICY, rights: ['RegistryWrite', 'ServiceConnect', 'DeviceConnect'] },
  { keyName: 'service', rights: ['ServiceConnect'] },
  { keyName: 'registryRead', rights: ['RegistryRead'] },
  { keyName: 'registryReadWrite', rights: ['RegistryWrite'] },
];

/** 32 random bytes, base64: the size of the keys IoT Hub generates for policies and devices. */
export function generateKey(): string {
  return randomBytes(32).toString('base64');
}

export function createDefaultPolicies(): SharedAccessPolicy[] {
  return DEFAULT_POLICIES.map(({ keyName, rights }) => ({ keyName, rights, primaryKey: generateKey(), secondaryKey: generateKey() }));
}

export function policyGrants(policy: SharedAccessPolicy, needed: AccessRight): boolean {
  return policy.rights.includes(needed) || (needed === 'RegistryRead' && policy.rights.includes('RegistryWrite'));
}

export function policyConnectionString(hostName: string, policy: SharedAccessPolicy): string {
  return `HostName=${hostName};SharedAccessKeyName=${policy.keyName};SharedAccessKey=${policy.primaryKey}`;
}
