import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers.js';

describe('a server that cannot be reached', () => {
  it('is exit 5 with the address in the message, no stack trace', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const url = `http://127.0.0.1:${port}`;
    const { code, stdout, stderr } = await cli(['dags', 'list', '--server', url], {
      env: { KONTROLER_CONFIG_DIR: '/nonexistent' },
    });
    expect([code, stdout]).toEqual([5, '']);
    expect(stderr).toMatch(/^error: the server could not be reached\n/);
    expect(stderr).toContain(`is the server at ${url} running?`);
    expect(stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });
});
