import { invalidRequest } from './aws-error.js';
import type { ControlPlaneContext } from './control-plane-context.js';
import { optionalParam, type ControlPlaneRequest } from './control-plane-request.js';
import type { Route } from './route-table.js';

/**
 * DescribeEndpoint. The sandbox has one MQTT broker, so the ATS endpoint and the legacy
 * `iot:Data` one (also what AWS returns when no type is given) are the same host.
 */
const DATA_ENDPOINT_TYPES = [undefined, 'iot:Data', 'iot:Data-ATS'];

export function endpointRoutes(context: ControlPlaneContext): Route[] {
  const describeEndpoint = (request: ControlPlaneRequest) => {
    const endpointType = optionalParam(request, 'endpointType');
    if (!DATA_ENDPOINT_TYPES.includes(endpointType)) {
      throw invalidRequest(`Endpoint type ${endpointType} is not available in the iotmigrate sandbox; it serves iot:Data-ATS`);
    }
    return { endpointAddress: context.dataEndpointHost };
  };
  return [{ operation: 'DescribeEndpoint', method: 'GET', path: '/endpoint', handler: describeEndpoint }];
}
