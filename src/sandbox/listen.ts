import type { AddressInfo, Server } from 'node:net';
import { UsageError } from '../errors.js';

/**
 * Binds a sandbox server and returns the port bound. The failures a user can fix (a
 * privileged port, an address already taken, an address that is not local) become a
 * UsageError that says what to do; anything else is rethrown as is. `what` names the
 * server in the message ("IoT Hub service API").
 */
export async function listenOrExplain(server: Server, host: string, port: number, what: string): Promise<number> {
  try {
    await new Promise<void>((resolveListen, rejectListen) => {
      server.once('error', rejectListen);
      server.listen(port, host, () => {
        server.off('error', rejectListen);
        resolveListen();
      });
    });
  } catch (error) {
    throw explainListenError(error, host, port, what);
  }
  return (server.address() as AddressInfo).port;
}

export function explainListenError(error: unknown, host: string, port: number, what: string): unknown {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EACCES':
      return new UsageError(
        `the ${what} cannot listen on ${host}:${port}: ports below 1024 need root or CAP_NET_BIND_SERVICE`,
        {
          hint:
            'grant it to node once: sudo setcap cap_net_bind_service=+ep "$(readlink -f "$(command -v node)")", ' +
            'or lower the limit: sudo sysctl net.ipv4.ip_unprivileged_port_start=443',
          cause: error,
        },
      );
    case 'EADDRINUSE':
      return new UsageError(`the ${what} cannot listen on ${host}:${port}: the address is already in use`, {
        hint: 'stop whatever holds it (another sandbox?), or give this one another loopback address (--host, --hub-host)',
        cause: error,
      });
    case 'EADDRNOTAVAIL':
      return new UsageError(`the ${what} cannot listen on ${host}:${port}: that address is not on this machine`, {
        hint: 'use a loopback address, 127.x.y.z',
        cause: error,
      });
    default:
      return error;
  }
}
