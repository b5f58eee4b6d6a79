import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOrExplain } from '../../listen.js';
import { policyGrants, type AccessRight, type SharedAccessPolicy } from '../access-policies.js';
import { argumentInvalid, IotHubError, throttled, unauthorized } from '../iot-hub-error.js';
// The AWS control plane's token bucket: the same refill arithmetic serves both halves.
import { createTokenBucket, type TokenBucket } from '../../token-bucket.js';
import { parseSasToken, sasTokenRefusal } from '../sas-token.js';
import { headerValue, ServiceRouteTable, type OperationFamily, type ServiceResponse, type ServiceRoute } from './service-route.js';
import { readRequestBody } from '../../read-request-body.js';

export interface ServiceApiOptions {
  host: string;
  /** 443 for azure-iothub, which never connects to any other port; 0 picks a free one. */
  port: number;
  serverCertificate: { certificatePem: string; privateKeyPem: string };
  /** The hub's host name: the audience service SAS tokens must carry. */
  hostName: string;
  policies: readonly SharedAccessPolicy[];
  /** IoT Hub operations per second in each family before 429; unlimited if unset. */
  apiRate?: number;
  routes: readonly ServiceRoute[];
  now(): Date;
}

export interface ServiceApi {
  port: number;
  close(): Promise<void>;
}

// Far above anything the SDK sends: 100 bulk devices, a 32 KB desired document.
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * IoT Hub's service REST API over HTTPS, as azure-iothub reaches it: every request must
 * carry a SAS token of one of the hub's shared access policies, signed with its key,
 * not expired, for this hub, and the policy must hold the right the operation needs;
 * otherwise 401, in IoT Hub's error shape. With `apiRate`, operations beyond that rate in
 * their family (as IoT Hub throttles by family) get 429 ThrottlingException.
 */
export async function startServiceApi(options: ServiceApiOptions): Promise<ServiceApi> {
  const table = new ServiceRouteTable(options.routes);
  const apiRate = options.apiRate;
  const throttles = new Map<OperationFamily, TokenBucket>();
  const withinRate = (family: OperationFamily) => {
    if (apiRate === undefined || family === 'sandbox') return true;
    let throttle = throttles.get(family);
    if (!throttle) throttles.set(family, (throttle = createTokenBucket({ ratePerSecond: apiRate })));
    return throttle.tryTake();
  };

  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    try {
      const raw = await readRequestBody(request, MAX_BODY_BYTES, () => new IotHubError(413, 'MessageTooLarge', `The request body exceeds ${MAX_BODY_BYTES} bytes`));
      const url = new URL(request.url ?? '/', 'https://hub');
      const rawPath = (request.url ?? '/').split('?')[0]!;
      const match = table.match(request.method ?? 'GET', rawPath);
      if (!match) {
        throw new IotHubError(404, 'NotFound', `The sandbox hub does not serve ${request.method ?? 'GET'} ${url.pathname}: it emulates the IoT Hub operations iotmigrate and the SDKs use`);
      }
      const { route, params } = match;
      if (route.family !== 'sandbox' && !url.searchParams.has('api-version')) {
        throw new IotHubError(400, 'InvalidProtocolVersion', 'The api-version query parameter is required');
      }
      authorize(headerValue(request.headers, 'authorization'), route.rights, options);
      if (!withinRate(route.family)) throw throttled();
      const result = await route.handle({ params, query: url.searchParams, headers: request.headers, body: route.body === 'raw' ? raw : parseJson(raw) });
      send(response, result);
    } catch (error) {
      const hubError = error instanceof IotHubError ? error : new IotHubError(500, 'ServerError', `The sandbox hub failed: ${(error as Error).message ?? String(error)}`);
      send(response, { status: hubError.status, json: hubError.body(options.now()), headers: { 'iothub-errorcode': hubError.code } });
    }
  };

  const server: Server = createServer(
    { cert: options.serverCertificate.certificatePem, key: options.serverCertificate.privateKeyPem },
    (request, response) => void serve(request, response),
  );
  const port = await listenOrExplain(server, options.host, options.port, 'IoT Hub service API (HTTPS)');

  let closed: Promise<void> | undefined;
  return {
    port,
    close() {
      closed ??= new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        // azure-iothub keeps its connections alive; without this close() waits for them to idle out.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function authorize(header: string | undefined, rights: readonly AccessRight[], options: ServiceApiOptions): void {
  const token = header === undefined ? undefined : parseSasToken(header);
  if (!token) throw unauthorized('the Authorization header holds no SharedAccessSignature');
  if (token.keyName === undefined) throw unauthorized('the token names no shared access policy (skn)');
  const policy = options.policies.find((candidate) => candidate.keyName === token.keyName);
  if (!policy) throw unauthorized(`this hub has no shared access policy '${token.keyName}'`);
  const refusal = sasTokenRefusal(token, options.hostName, [policy.primaryKey, policy.secondaryKey], Math.floor(options.now().getTime() / 1000));
  if (refusal) throw unauthorized(refusal);
  if (!rights.some((right) => policyGrants(policy, right))) {
    throw unauthorized(`policy '${policy.keyName}' does not grant ${rights.join(' or ')}`);
  }
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw argumentInvalid('The request body is not valid JSON');
  }
}

function send(response: ServerResponse, result: ServiceResponse): void {
  const body = result.json === undefined ? undefined : Buffer.from(JSON.stringify(result.json));
  response.writeHead(result.status, {
    ...(body ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    'content-length': body?.length ?? 0,
    ...result.headers,
  });
  response.end(body);
}
