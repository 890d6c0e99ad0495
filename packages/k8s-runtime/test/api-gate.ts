/**
 * A TCP relay in front of the test apiserver that a test can cut off: while closed, every connection
 * through it, open or new, is reset, as an apiserver that is restarting refuses them. TLS passes through
 * untouched, so a kubeconfig for the relay's URL works with the control plane's CA and tokens.
 */
import net from 'node:net';

export interface ApiGate {
  /** `https://127.0.0.1:<port>` of the relay. */
  readonly url: string;
  /** Resets every connection and refuses new ones until `open`. */
  close(): void;
  open(): void;
  stop(): Promise<void>;
}

export async function startApiGate(apiserverUrl: string): Promise<ApiGate> {
  const target = new URL(apiserverUrl);
  let closed = false;
  const live = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (closed) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(Number(target.port), target.hostname);
    const drop = (): void => {
      live.delete(client);
      live.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      live.add(socket);
      socket.on('error', drop).on('close', drop);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    close() {
      closed = true;
      for (const socket of live) socket.resetAndDestroy();
      live.clear();
    },
    open() {
      closed = false;
    },
    async stop() {
      for (const socket of live) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
