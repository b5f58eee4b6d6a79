import type { Socket } from 'node:net';
import { createServer } from 'node:tls';
import type { Aedes, AuthenticateError, AuthErrorCode } from 'aedes';
import { listenOrExplain } from './listen.js';

export interface MqttTlsListenerOptions {
  host: string;
  /** 0 picks a free port; the one bound is returned. */
  port: number;
  serverCertificate: { certificatePem: string; privateKeyPem: string };
  /** ALPN protocols to accept; none offered when unset. */
  alpnProtocols?: string[];
  /** Names the broker in listen errors ("AWS IoT MQTT broker"). */
  name: string;
}

export interface MqttTlsListener {
  port: number;
  /** Disconnects every client, closes the broker and releases the port; safe to call more than once. */
  close(): Promise<void>;
}

// CONNACK return codes 5 and 3; aedes types them as a const enum, which per-file transpilers cannot inline.
const NOT_AUTHORIZED = 5 as AuthErrorCode;
const SERVER_UNAVAILABLE = 3 as AuthErrorCode;

/** The error an aedes `authenticate` hook passes to refuse a CONNECT with "not authorized". */
export function notAuthorized(reason: string): AuthenticateError {
  return Object.assign(new Error(reason), { returnCode: NOT_AUTHORIZED });
}

/** The error an aedes `authenticate` hook passes to refuse a CONNECT with "server unavailable". */
export function serverUnavailable(reason: string): AuthenticateError {
  return Object.assign(new Error(reason), { returnCode: SERVER_UNAVAILABLE });
}

/**
 * Serves an aedes broker over TLS for the sandbox's device endpoints. A client
 * certificate is requested but never required and never checked against a CA here:
 * each broker decides in its authenticate hook, from the registry, whether the
 * certificate (or, without one, the password) lets the device in, so a refused
 * device still gets its CONNACK instead of a failed handshake.
 */
export async function listenMqttOverTls(aedes: Aedes, options: MqttTlsListenerOptions): Promise<MqttTlsListener> {
  const server = createServer(
    {
      cert: options.serverCertificate.certificatePem,
      key: options.serverCertificate.privateKeyPem,
      requestCert: true,
      rejectUnauthorized: false,
      ...(options.alpnProtocols ? { ALPNProtocols: options.alpnProtocols } : {}),
    },
    (socket) => aedes.handle(socket),
  );
  // Sockets still in their TLS handshake are no aedes client yet; close() ends them too.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  let port: number;
  try {
    port = await listenOrExplain(server, options.host, options.port, options.name);
  } catch (error) {
    await new Promise<void>((resolve) => aedes.close(resolve));
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => aedes.close(resolve));
        for (const socket of sockets) socket.destroy();
        await serverClosed;
      })();
      return closing;
    },
  };
}
