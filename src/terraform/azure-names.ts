import { createHash } from 'node:crypto';

/**
 * Azure naming rules for what plan creates, and the deterministic names it derives.
 * Derived names that must be globally unique (namespaces, storage accounts) are built
 * from the hub name, which is itself globally unique, so one --hub-name renames them all.
 */

const HUB_NAME = /^[a-zA-Z0-9](?!.*--)[a-zA-Z0-9-]{1,48}[a-zA-Z0-9]$/;
const RESOURCE_GROUP_NAME = /^[-\w.()]{0,89}[-\w()]$/;
const LOCATION = /^[a-z0-9]+$/;

export function hubNameProblem(name: string): string | undefined {
  return HUB_NAME.test(name)
    ? undefined
    : 'an IoT Hub name is 3-50 letters, digits and single hyphens, starting and ending with a letter or digit';
}

export function resourceGroupNameProblem(name: string): string | undefined {
  return RESOURCE_GROUP_NAME.test(name)
    ? undefined
    : 'a resource group name is 1-90 letters, digits, underscores, hyphens, periods and parentheses, not ending with a period';
}

export function locationProblem(location: string): string | undefined {
  return LOCATION.test(location) ? undefined : 'an Azure location is written like "westeurope" or "eastus2"';
}

export function defaultHubName(region: string, accountId: string | null): string {
  return `iot-${region}-${accountId ?? 'fleet'}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-').slice(0, 50).replace(/-$/, '');
}

export function defaultResourceGroupName(hubName: string): string {
  return `rg-${hubName}`;
}

/** Shortens a name past `maxLength` by keeping its start and a hash of the whole. */
export function boundedName(name: string, maxLength: number): string {
  if (name.length <= maxLength) return name;
  return `${name.slice(0, maxLength - 9).replace(/[-._]+$/, '')}-${shortHash(name)}`;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** Event Hubs and Service Bus namespaces share the servicebus.windows.net DNS space. */
export function namespaceName(hubName: string, suffix: 'events' | 'bus'): string {
  const base = /^[a-zA-Z]/.test(hubName) ? hubName : `ns-${hubName}`;
  return boundedName(`${base}-${suffix}`, 50);
}

/** 3-24 lower-case letters and digits, globally unique. */
export function storageAccountName(hubName: string): string {
  return `${hubName.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 16)}${shortHash(hubName)}`;
}

/** Endpoint and route names: letters, digits, periods, underscores, hyphens; up to 64. */
export function routingName(name: string): string {
  return boundedName(name.replace(/[^A-Za-z0-9._-]/g, '-'), 64);
}

/** Event hub, queue and topic names: letters, digits, periods, hyphens, underscores; alphanumeric at both ends. */
export function messagingEntityName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return boundedName(cleaned === '' ? 'entity' : cleaned, 256);
}

/** Blob container names: 3-63 lower-case letters, digits and single hyphens. */
export function storageContainerName(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return boundedName(cleaned.padEnd(3, '0'), 63);
}

/** Terraform resource names start with a letter or underscore. */
export function terraformName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_-]/g, '_');
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
}
