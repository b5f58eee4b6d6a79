import type { IncomingHttpHeaders } from 'node:http';
import type { AccessRight } from '../access-policies.js';
import { argumentInvalid } from '../iot-hub-error.js';

export interface ServiceRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The body parsed as JSON (undefined when empty) for `json` routes, the raw bytes for `raw` ones. */
  body: unknown;
}

export interface ServiceResponse {
  status: number;
  /** Sent as JSON; omitted for an empty body. */
  json?: unknown;
  headers?: Record<string, string>;
}

/**
 * The groups IoT Hub sets its throttles by (identity registry operations, twin reads,
 * twin updates, queries, direct methods); `sandbox` marks the sandbox's own endpoints,
 * which are neither throttled nor versioned.
 */
export type OperationFamily = 'identityRegistry' | 'twinReads' | 'twinUpdates' | 'queries' | 'directMethods' | 'sandbox';

/**
 * One operation of the service API: the method and path template as IoT Hub's REST
 * reference writes them (`/twins/{id}/methods`), the right the caller's policy must
 * hold, and the family it counts against.
 */
export interface ServiceRoute {
  method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';
  path: string;
  /** Any one of these lets the caller in. */
  rights: AccessRight[];
  family: OperationFamily;
  body: 'json' | 'raw';
  handle(request: ServiceRequest): ServiceResponse | Promise<ServiceResponse>;
}

interface CompiledRoute {
  route: ServiceRoute;
  segments: (string | null)[];
  labels: string[];
}

export class ServiceRouteTable {
  private readonly routes: CompiledRoute[];

  constructor(routes: readonly ServiceRoute[]) {
    this.routes = routes
      .map((route) => {
        const parts = route.path.split('/').slice(1);
        return {
          route,
          segments: parts.map((part) => (part.startsWith('{') ? null : part)),
          labels: parts.filter((part) => part.startsWith('{')).map((part) => part.slice(1, -1)),
        };
      })
      // A literal segment wins over a label: POST /devices/query is the query, not a device.
      .sort((a, b) => a.segments.filter((segment) => segment === null).length - b.segments.filter((segment) => segment === null).length);
  }

  /**
   * The route for a raw path, split before its segments are decoded; a trailing slash is
   * ignored, since azure-iothub lists devices at `GET /devices/`.
   */
  match(method: string, rawPath: string): { route: ServiceRoute; params: Record<string, string> } | undefined {
    const parts = rawPath.replace(/(.)\/$/, '$1').split('/').slice(1);
    for (const candidate of this.routes) {
      if (candidate.route.method !== method || candidate.segments.length !== parts.length) continue;
      if (!candidate.segments.every((segment, index) => (segment === null ? parts[index] !== '' : segment === parts[index]))) continue;
      const values = parts.filter((_, index) => candidate.segments[index] === null).map(decodeSegment);
      return { route: candidate.route, params: Object.fromEntries(candidate.labels.map((label, index) => [label, values[index]!])) };
    }
    return undefined;
  }
}

function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw argumentInvalid(`The path segment '${raw}' is not valid percent-encoding`);
  }
}

/** A header's single value. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
