import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nowEpochSeconds } from '../estate.js';
import type { EstateStore } from '../estate-store.js';
import type { FaultInjector } from '../../faults.js';
import { AwsError, sendAwsError, throttled, unauthorized } from './aws-error.js';
import { certificateRoutes } from './certificate-routes.js';
import { createControlPlaneContext } from './control-plane-context.js';
import { endpointRoutes } from './endpoint-routes.js';
import { jobRoutes } from './job-routes.js';
import { JobRunner } from '../jobs/job-runner.js';
import { policyRoutes } from './policy-routes.js';
import { RouteTable, type RouteResult } from './route-table.js';
import { shadowRoutes } from './shadow-routes.js';
import { thingGroupRoutes } from './thing-group-routes.js';
import { thingRoutes } from './thing-routes.js';
import { thingTypeRoutes } from './thing-type-routes.js';
import { topicRuleRoutes } from './topic-rule-routes.js';
import { createTokenBucket, type TokenBucket } from '../../token-bucket.js';
import { readRequestBody } from '../../read-request-body.js';

export interface ControlPlaneOptions {
  store: EstateStore;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /**
   * Requests per second for each operation (burst of as many) before ThrottlingException;
   * unlimited if unset. Per operation because AWS IoT's TPS quotas are per API
   * (ListThings, DescribeThing, ... each have their own), so a client that spreads its
   * calls over several APIs may go faster than any one quota.
   */
  apiRate?: number;
  /** What DescribeEndpoint returns for `iot:Data-ATS`. */
  dataEndpointHost: string;
  /**
   * The Jobs service, shared with the broker that serves the devices' side of it. Without
   * one the control plane runs its own, with no S3 behind it, and closes it on close().
   */
  jobs?: JobRunner;
  /** `api-throttle` answers a signed call with ThrottlingException before it is routed or handled. */
  faults?: FaultInjector;
}

export interface ControlPlane {
  url: string;
  close(): Promise<void>;
}

// Far above any request the SDKs send here (the largest is an 8 KB shadow update).
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The AWS IoT control-plane REST API and the data plane's shadow REST API, on one
 * plain-HTTP server, as `@aws-sdk/client-iot` and `@aws-sdk/client-iot-data-plane`
 * reach them through an endpoint override. Requests must carry a SigV4
 * `authorization` header (its signature is not checked); errors are AWS's REST-JSON
 * errors, so the SDKs throw the same named exceptions they throw against AWS.
 */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const ownJobs = options.jobs ? undefined : new JobRunner({ store: options.store });
  const jobs = options.jobs ?? ownJobs!;
  const context = createControlPlaneContext(options.store, options.dataEndpointHost, nowEpochSeconds);
  const routes = new RouteTable([
    ...thingRoutes(context),
    ...thingTypeRoutes(context),
    ...thingGroupRoutes(context),
    ...certificateRoutes(context),
    ...policyRoutes(context),
    ...topicRuleRoutes(context),
    ...jobRoutes(context, jobs),
    ...endpointRoutes(context),
    ...shadowRoutes(context),
  ]);
  const apiRate = options.apiRate;
  const rateLimits = new Map<string, TokenBucket>();
  const withinRate = (operation: string): boolean => {
    if (apiRate === undefined) return true;
    let bucket = rateLimits.get(operation);
    if (!bucket) {
      bucket = createTokenBucket({ ratePerSecond: apiRate });
      rateLimits.set(operation, bucket);
    }
    return bucket.tryTake();
  };

  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const requestId = randomUUID();
    try {
      const body = await readRequestBody(request, MAX_BODY_BYTES, () => new AwsError('RequestEntityTooLargeException', 413, `The request body exceeds ${MAX_BODY_BYTES} bytes`));
      if (!request.headers.authorization) throw unauthorized();
      // The same 429 as the --api-rate throttle, so the SDKs back off and retry it the same way.
      if (options.faults?.strikes('api-throttle')) throw throttled();
      const url = request.url ?? '/';
      const queryAt = url.indexOf('?');
      const rawPath = queryAt < 0 ? url : url.slice(0, queryAt);
      const method = request.method ?? 'GET';
      const match = routes.match(method, rawPath);
      if (!match) {
        throw new AwsError(
          'UnknownOperationException',
          404,
          `No AWS IoT operation at ${method} ${rawPath}: the iotmigrate sandbox emulates only the operations iotmigrate and the device SDKs use`,
        );
      }
      if (!withinRate(match.route.operation)) throw throttled();
      const result = await match.route.handler({
        params: match.params,
        query: new URLSearchParams(queryAt < 0 ? '' : url.slice(queryAt + 1)),
        headers: request.headers,
        body,
      });
      sendResult(response, result, requestId);
    } catch (error) {
      const awsError =
        error instanceof AwsError ? error : new AwsError('InternalFailureException', 500, `The sandbox failed: ${(error as Error).message ?? String(error)}`);
      sendAwsError(response, awsError, requestId);
    }
  };

  const server = createServer((request, response) => void serve(request, response));
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port, options.host, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  }).catch((error: unknown) => {
    ownJobs?.close();
    throw error;
  });
  const { port } = server.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${options.host}:${port}`,
    close() {
      closed ??= new Promise<void>((resolveClose) => {
        ownJobs?.close();
        server.close(() => resolveClose());
        // The SDKs keep connections alive; without this close() would wait for them to idle out.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function sendResult(response: ServerResponse, result: RouteResult, requestId: string): void {
  const body = Buffer.isBuffer(result) ? result : Buffer.from(JSON.stringify(result));
  response.writeHead(200, {
    'content-type': 'application/json',
    'content-length': body.length,
    'x-amzn-requestid': requestId,
  });
  response.end(body);
}
