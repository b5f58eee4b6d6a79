import type { EstateStore } from '../estate-store.js';
import { EstateViews } from './estate-views.js';

/** What every resource family's handlers work against. */
export interface ControlPlaneContext {
  store: EstateStore;
  views: EstateViews;
  /** The host DescribeEndpoint hands out for `iot:Data-ATS`. */
  dataEndpointHost: string;
  /** Epoch seconds, the unit of every timestamp on the wire. */
  now(): number;
}

export function createControlPlaneContext(store: EstateStore, dataEndpointHost: string, now: () => number): ControlPlaneContext {
  return { store, views: new EstateViews(store), dataEndpointHost, now };
}

/** The resource name an ARN ends with (`arn:aws:iot:r:a:thing/name` → `name`), when it has the expected type. */
export function nameFromArn(resourceArn: string, resourceType: string): string | undefined {
  const marker = `:${resourceType}/`;
  const at = resourceArn.indexOf(marker);
  return resourceArn.startsWith('arn:') && at >= 0 ? resourceArn.slice(at + marker.length) : undefined;
}
