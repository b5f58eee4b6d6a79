import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type ServiceSdkOp =
  | 'create'
  | 'update'
  | 'get'
  | 'list'
  | 'delete'
  | 'addDevices'
  | 'updateDevices'
  | 'removeDevices'
  | 'getTwin'
  | 'updateTwin'
  | 'getRegistryStatistics'
  | 'query'
  | 'invokeDeviceMethod'
  | 'getServiceStatistics';

export type ServiceCredentials = { connectionString: string } | { sharedAccessSignature: string };

export interface ServiceSdkRequest {
  credentials: ServiceCredentials;
  op: ServiceSdkOp;
  args: unknown[];
}

/** An SDK error as the child saw it: its class name (UnauthorizedError, …), HTTP status and raw body. */
export interface ServiceSdkError {
  name: string;
  message: string;
  statusCode: number | undefined;
  responseBody: string | undefined;
}

export class ServiceSdkFailure extends Error {
  constructor(readonly sdkError: ServiceSdkError) {
    super(`${sdkError.name} (${String(sdkError.statusCode)}): ${sdkError.message}`);
  }
}

/**
 * The real azure-iothub, run in a child process started with NODE_EXTRA_CA_CERTS set
 * to the test CA, as a user's shell would after `eval "$(iotmigrate sandbox env)"`.
 * `call` runs one SDK operation there and resolves with what the SDK returned, or
 * rejects with a ServiceSdkFailure describing the SDK's error.
 */
export class ServiceSdk {
  private readonly child: ChildProcess;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  constructor(caFile: string) {
    this.child = fork(fileURLToPath(new URL('./azure-service-sdk-child.ts', import.meta.url)), {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (message: { id: number; result?: unknown; error?: ServiceSdkError }) => {
      const entry = this.pending.get(message.id);
      if (!entry) return;
      this.pending.delete(message.id);
      if (message.error) entry.reject(new ServiceSdkFailure(message.error));
      else entry.resolve(message.result);
    });
    this.child.on('exit', (code) => {
      for (const entry of this.pending.values()) entry.reject(new Error(`the service SDK child exited (${String(code)})`));
      this.pending.clear();
    });
  }

  call<T = unknown>(credentials: ServiceCredentials | string, op: ServiceSdkOp, ...args: unknown[]): Promise<T> {
    this.nextId += 1;
    const id = this.nextId;
    const request: ServiceSdkRequest = { credentials: typeof credentials === 'string' ? { connectionString: credentials } : credentials, op, args };
    if (!this.child.connected) return Promise.reject(new Error('the service SDK child has exited'));
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, ...request });
    });
  }

  /** The SDK error a call fails with (the test fails if the call succeeds). */
  async failure(credentials: ServiceCredentials | string, op: ServiceSdkOp, ...args: unknown[]): Promise<ServiceSdkError> {
    try {
      await this.call(credentials, op, ...args);
    } catch (error) {
      if (error instanceof ServiceSdkFailure) return error.sdkError;
      throw error;
    }
    throw new Error(`${op} succeeded where a failure was expected`);
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    await exited;
  }
}
