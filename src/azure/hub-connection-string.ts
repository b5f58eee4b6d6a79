/**
 * An IoT Hub service connection string, `HostName=…;SharedAccessKeyName=…;SharedAccessKey=…`,
 * as the portal, `az iot hub connection-string show` and the plan's Terraform output give
 * it. Checked here so a wrong value fails with a clear line before any call is made.
 */
export interface HubConnection {
  hostName: string;
  sharedAccessKeyName: string;
}

export type HubConnectionReading = { ok: true; connection: HubConnection } | { ok: false; problem: string };

const REQUIRED = ['HostName', 'SharedAccessKeyName', 'SharedAccessKey'] as const;

export function readHubConnectionString(value: string): HubConnectionReading {
  const fields = new Map<string, string>();
  for (const part of value.split(';')) {
    if (part.trim() === '') continue;
    const equals = part.indexOf('=');
    // Keys are base64 and may end in '=': only the first '=' separates name from value.
    if (equals <= 0) return { ok: false, problem: `"${part.slice(0, 20)}…" is not a Name=value pair` };
    fields.set(part.slice(0, equals).trim(), part.slice(equals + 1));
  }
  const missing = REQUIRED.filter((name) => !fields.get(name));
  if (missing.length > 0) {
    const device = fields.has('DeviceId') ? ' (this is a device connection string; apply needs a service policy such as iothubowner)' : '';
    return { ok: false, problem: `it has no ${missing.join(', ')}${device}` };
  }
  return { ok: true, connection: { hostName: fields.get('HostName')!, sharedAccessKeyName: fields.get('SharedAccessKeyName')! } };
}

/**
 * Whether the connection string points at the hub the plan was made for. Only Azure's
 * own host names carry the hub's name (`<hub>.azure-devices.net`); a sandbox or a
 * private endpoint is taken as given.
 */
export function hubNameMismatch(plannedHubName: string, hostName: string): string | undefined {
  const match = /^([^.]+)\.azure-devices\.(?:net|cn|us|de)$/i.exec(hostName);
  if (!match || match[1]!.toLowerCase() === plannedHubName.toLowerCase()) return undefined;
  return `the plan is for IoT Hub ${plannedHubName}, but the connection string is for ${hostName}`;
}
