// An https hub reached through an HTTP CONNECT proxy (what corporate networks and VS Code's
// http.proxy setting mean): the tunnel is used, the token travels only inside TLS, and a
// self-signed hub is refused unless strictSSL is off. The certificate is made here with openssl.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveRevision } from '../../src/inference/models/hub';

const SHA = 'c0ffee'.padEnd(40, '0');

describe('models: https hub through a CONNECT proxy', function () {
  this.timeout(60_000);
  let tmp: string;
  let hub: https.Server;
  let proxy: http.Server;
  let hubUrl: string;
  let proxyUrl: string;
  const tunnels: { target: string; headers: http.IncomingHttpHeaders }[] = [];
  const hubAuth: (string | undefined)[] = [];
  const sockets: net.Socket[] = [];

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nf-tls-'));
    const key = path.join(tmp, 'key.pem');
    const cert = path.join(tmp, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    hub = https.createServer({ key: await fs.readFile(key), cert: await fs.readFile(cert) }, (req, res) => {
      hubAuth.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'a/b', sha: SHA }));
    });
    proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: http.IncomingMessage, client: net.Socket) => {
      tunnels.push({ target: req.url ?? '', headers: req.headers });
      sockets.push(client);
      const [host, port] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(port), host === 'localhost' ? '127.0.0.1' : host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      sockets.push(upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    hubUrl = `https://localhost:${await listen(hub)}`;
    proxyUrl = `http://user:pa%20ss@127.0.0.1:${await listen(proxy)}`;
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    hub.closeAllConnections();
    proxy.closeAllConnections();
    await Promise.all([new Promise((r) => hub.close(r)), new Promise((r) => proxy.close(r))]);
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('tunnels with CONNECT, authenticates to the proxy, and sends the token only inside TLS', async () => {
    const sha = await resolveRevision('a/b', 'main', { endpoint: hubUrl, proxy: proxyUrl, strictSSL: false, token: 'hf_tunnelled', env: {} });
    assert.equal(sha, SHA);
    assert.equal(tunnels.length, 1);
    assert.equal(tunnels[0]?.target, `localhost:${new URL(hubUrl).port}`);
    assert.equal(tunnels[0]?.headers['proxy-authorization'], `Basic ${Buffer.from('user:pa ss').toString('base64')}`);
    assert.equal(tunnels[0]?.headers.authorization, undefined);
    assert.deepEqual(hubAuth, ['Bearer hf_tunnelled']);
  });

  it('HTTPS_PROXY is used when no proxy is configured, and a self-signed hub is refused by default', async () => {
    tunnels.length = 0;
    await assert.rejects(resolveRevision('a/b', 'main', { endpoint: hubUrl, env: { HTTPS_PROXY: proxyUrl } }), /self[- ]signed/i);
    assert.equal(tunnels.length, 1);
  });
});

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}
