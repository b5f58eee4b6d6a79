import { invalidRequest } from './aws-error.js';
import type { ControlPlaneRequest } from './control-plane-request.js';

/** A JSON response body, or raw bytes for the data-plane operations whose payload is a blob (shadow documents). */
export type RouteResult = object | Buffer;
/** Most handlers answer at once; a few read S3 first (CreateJob's documentSource). */
export type RouteHandler = (request: ControlPlaneRequest) => RouteResult | Promise<RouteResult>;

/** One AWS operation: the method and path template exactly as the SDK's schema declares them (`/things/{thingName}`). */
export interface Route {
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  handler: RouteHandler;
}

interface CompiledRoute {
  route: Route;
  /** A literal segment, or null for a `{label}`. */
  segments: (string | null)[];
  labels: string[];
  literalCount: number;
}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

export class RouteTable {
  private readonly bySegmentCount = new Map<number, CompiledRoute[]>();

  constructor(routes: readonly Route[]) {
    for (const route of routes) {
      const parts = route.path.split('/').slice(1);
      const compiled: CompiledRoute = {
        route,
        segments: parts.map((part) => (part.startsWith('{') ? null : part)),
        labels: parts.filter((part) => part.startsWith('{')).map((part) => part.slice(1, -1)),
        literalCount: parts.filter((part) => !part.startsWith('{')).length,
      };
      const bucket = this.bySegmentCount.get(parts.length) ?? [];
      bucket.push(compiled);
      this.bySegmentCount.set(parts.length, bucket);
    }
    // A literal beats a label (`/thing-groups/addThingToThingGroup` over `/thing-groups/{name}`).
    for (const bucket of this.bySegmentCount.values()) bucket.sort((a, b) => b.literalCount - a.literalCount);
  }

  /**
   * The route for a raw (still percent-encoded) path. Segments are split before they are
   * decoded because labels such as a certificate ARN carry an encoded `/`.
   */
  match(method: string, rawPath: string): RouteMatch | undefined {
    const parts = rawPath.split('/').slice(1);
    for (const candidate of this.bySegmentCount.get(parts.length) ?? []) {
      if (candidate.route.method !== method) continue;
      if (!candidate.segments.every((segment, index) => (segment === null ? parts[index] !== '' : segment === parts[index]))) continue;
      const values = parts.filter((_, index) => candidate.segments[index] === null).map(decodeLabel);
      return { route: candidate.route, params: Object.fromEntries(candidate.labels.map((label, index) => [label, values[index]!])) };
    }
    return undefined;
  }
}

function decodeLabel(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalidRequest(`The path segment '${raw}' is not valid percent-encoding`);
  }
}
