import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { explainListenError, listenOrExplain } from './listen.js';

const errno = (code: string) => Object.assign(new Error(code), { code });

describe('listen errors', () => {
  it('tells how to allow port 443 when binding it is not permitted', () => {
    const error = explainListenError(errno('EACCES'), '127.0.0.2', 443, 'IoT Hub service API (HTTPS)');
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain('127.0.0.2:443');
    expect((error as UsageError).message).toContain('CAP_NET_BIND_SERVICE');
    expect((error as UsageError).hint).toContain('setcap cap_net_bind_service=+ep');
    expect((error as UsageError).hint).toContain('net.ipv4.ip_unprivileged_port_start=443');
  });

  it('explains a taken address and passes other errors through', async () => {
    const first = createServer();
    const port = await listenOrExplain(first, '127.0.0.1', 0, 'first');
    try {
      await expect(listenOrExplain(createServer(), '127.0.0.1', port, 'second')).rejects.toThrow(/already in use/);
    } finally {
      await new Promise((resolve) => first.close(resolve));
    }
    const other = errno('EMFILE');
    expect(explainListenError(other, '127.0.0.1', 1, 'x')).toBe(other);
  });
});
