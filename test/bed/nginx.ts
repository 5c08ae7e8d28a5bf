// The test bed's download servers, on loopback only: an nginx of its own (own config, prefix and
// PID file in the run's folder, never the system service) serving plain HTTP, HTTPS with a test
// CA, HTTPS requiring a client certificate, a location that answers only with the right header,
// one that refuses HEAD, and Metalink 4 / Metalink 3 documents listing a dead mirror first and
// a good one second; plus a tiny server that drops the connection midway through a file.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { isAlive, mustRun, waitFor } from './process.js';
import { freeLoopbackPort } from './sshd.js';

export interface DownloadServersInfo {
  pid: number;
  dir: string;
  /** http://127.0.0.1:PORT */
  http: string;
  /** https with a server certificate from `caPem` */
  https: string;
  /** https that requires a client certificate signed by the same CA */
  mtls: string;
  /** http://127.0.0.1:PORT of a server that sends half of `image` and hangs up */
  drop: string;
  /** A port nothing listens on (the dead mirror). */
  deadPort: number;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** The served image: under `/files/`, `/header-only/`, `/no-head/` and `/slow/` (1 MiB/s). */
  image: { name: string; size: number; sha256: string; md5: string };
  /** A real qcow2 image (empty, `virtualSize` bytes), under `/files/` and `/no-length/`. */
  disk: { name: string; size: number; sha256: string; virtualSize: number };
  /** An ISO-sized blob of random bytes under `/files/` (a CD-ROM's content is not checked). */
  iso: { name: string; size: number; sha256: string };
  /** `/header-only/` answers only requests carrying this header. */
  header: { name: string; value: string };
}

export interface RunningDownloadServers {
  info: DownloadServersInfo;
  stop(): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await mustRun('openssl', args, { cwd });
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, all valid for a day. */
async function makeCertificates(dir: string): Promise<void> {
  const req = (name: string, cn: string) =>
    openssl(
      [
        'req',
        '-new',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        `/CN=${cn}`,
      ],
      dir,
    );
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-subj',
      '/CN=ConVirt test CA',
    ],
    dir,
  );
  await req('server', '127.0.0.1');
  await req('client', 'convirt-test-client');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const name of ['server', 'client']) {
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '1',
        '-out',
        `${name}.pem`,
        '-extfile',
        `${name}.ext`,
      ],
      dir,
    );
  }
}

function metalink4(name: string, size: number, sha256: string, dead: string, good: string) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<metalink xmlns="urn:ietf:params:xml:ns:metalink">
  <file name="${name}">
    <size>${size}</size>
    <hash type="sha-256">${sha256}</hash>
    <url priority="1">${dead}</url>
    <url priority="2">${good}</url>
  </file>
</metalink>
`;
}

function metalink3(name: string, size: number, sha256: string, dead: string, good: string) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<metalink version="3.0" xmlns="http://www.metalinker.org/">
  <files>
    <file name="${name}">
      <size>${size}</size>
      <verification><hash type="sha256">${sha256}</hash></verification>
      <resources>
        <url type="http" preference="100">${dead}</url>
        <url type="http" preference="50">${good}</url>
      </resources>
    </file>
  </files>
</metalink>
`;
}

/** Sends the headers and half of `data`, then destroys the connection. */
function startDropServer(data: Buffer, port: number): Promise<Server> {
  const server = createServer((socket) => {
    socket.once('data', () => {
      socket.write(
        `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${data.length}\r\n\r\n`,
      );
      socket.write(data.subarray(0, data.length >> 1), () => socket.destroy());
    });
    socket.on('error', () => undefined);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

export async function startDownloadServers(
  dir: string,
  imageSize = 3 * 1024 * 1024 + 123,
): Promise<RunningDownloadServers> {
  const www = join(dir, 'www');
  for (const sub of ['tmp', 'files', 'header-only', 'no-head', 'no-length', 'slow']) {
    mkdirSync(join(sub === 'tmp' ? dir : www, sub), { recursive: true });
  }
  await makeCertificates(dir);
  const image = randomBytes(imageSize);
  const name = 'image.qcow2';
  const sha256 = createHash('sha256').update(image).digest('hex');
  const md5 = createHash('md5').update(image).digest('hex');
  for (const sub of ['files', 'header-only', 'no-head', 'slow'])
    writeFileSync(join(www, sub, name), image);

  const disk = { name: 'disk.qcow2', virtualSize: 64 * 1024 * 1024 };
  await mustRun('qemu-img', ['create', '-q', '-f', 'qcow2', join(www, 'files', disk.name), '64M']);
  const diskBytes = readFileSync(join(www, 'files', disk.name));
  writeFileSync(join(www, 'no-length', disk.name), diskBytes);
  const iso = { name: 'cd.iso', bytes: randomBytes(1024 * 1024) };
  writeFileSync(join(www, 'files', iso.name), iso.bytes);
  const digest = (data: Buffer) => createHash('sha256').update(data).digest('hex');

  const [http, https, mtls, drop, deadPort] = [
    await freeLoopbackPort(),
    await freeLoopbackPort(),
    await freeLoopbackPort(),
    await freeLoopbackPort(),
    await freeLoopbackPort(),
  ];
  const good = `http://127.0.0.1:${http}/files/${name}`;
  const dead = `http://127.0.0.1:${deadPort}/files/${name}`;
  writeFileSync(
    join(www, 'files', 'image.meta4'),
    metalink4(name, image.length, sha256, dead, good),
  );
  writeFileSync(
    join(www, 'files', 'image.metalink'),
    metalink3(name, image.length, sha256, dead, good),
  );
  // Same document, name says nothing: recognised by its content type only.
  writeFileSync(
    join(www, 'files', 'image-list.xml4'),
    metalink4(name, image.length, sha256, dead, good),
  );

  const header = { name: 'X-ConVirt-Token', value: `t-${randomBytes(6).toString('hex')}` };
  const tls = (port: number, verifyClient: boolean) => `
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${join(dir, 'server.pem')};
    ssl_certificate_key ${join(dir, 'server.key')};
    ${verifyClient ? `ssl_client_certificate ${join(dir, 'ca.pem')}; ssl_verify_client on;` : ''}
    root ${www};
  }`;
  const config = join(dir, 'nginx.conf');
  writeFileSync(
    config,
    `${process.getuid?.() === 0 ? `user ${userInfo().username};` : ''}
daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')};
events { worker_connections 128; }
http {
  access_log ${join(dir, 'access.log')};
  client_body_temp_path ${join(dir, 'tmp')};
  proxy_temp_path ${join(dir, 'tmp')};
  fastcgi_temp_path ${join(dir, 'tmp')};
  uwsgi_temp_path ${join(dir, 'tmp')};
  scgi_temp_path ${join(dir, 'tmp')};
  types {
    application/metalink4+xml meta4 xml4;
    application/metalink+xml metalink;
  }
  default_type application/octet-stream;
  sendfile on;
  server {
    listen 127.0.0.1:${http};
    root ${www};
    location /header-only/ {
      if ($http_${header.name.toLowerCase().replaceAll('-', '_')} != "${header.value}") { return 401; }
    }
    # Slow enough to cancel midway, or to overlap two downloads (the image takes about 3 s).
    location /slow/ {
      limit_rate 1m;
    }
    location /no-head/ {
      if ($request_method = HEAD) { return 405; }
    }
    # SSI makes the length unknown: no Content-Length (chunked), and ranges are ignored.
    location /no-length/ {
      ssi on;
      ssi_types *;
    }
  }
  ${tls(https, false)}
  ${tls(mtls, true)}
}
`,
  );
  const child = spawn('/usr/sbin/nginx', ['-p', dir, '-c', config, '-e', join(dir, 'error.log')], {
    stdio: 'ignore',
    detached: true,
  });
  child.unref();
  const pid = child.pid!;
  const dropServer = await startDropServer(image, drop);
  const stop = async () => {
    if (isAlive(pid)) process.kill(pid, 'SIGTERM');
    await new Promise<void>((resolve) => dropServer.close(() => resolve()));
  };
  try {
    await waitFor(
      `nginx on 127.0.0.1:${http}`,
      async () => {
        if (!isAlive(pid)) throw new Error(`nginx exited; see ${join(dir, 'error.log')}`);
        const r = await fetch(`http://127.0.0.1:${http}/files/${name}`, { method: 'HEAD' }).catch(
          () => undefined,
        );
        return r?.ok ? true : undefined;
      },
      10_000,
      50,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  return {
    info: {
      pid,
      dir,
      http: `http://127.0.0.1:${http}`,
      https: `https://127.0.0.1:${https}`,
      mtls: `https://127.0.0.1:${mtls}`,
      drop: `http://127.0.0.1:${drop}`,
      deadPort,
      caPem: read('ca.pem'),
      clientCertPem: read('client.pem'),
      clientKeyPem: read('client.key'),
      image: { name, size: image.length, sha256, md5 },
      disk: { ...disk, size: diskBytes.length, sha256: digest(diskBytes) },
      iso: { name: iso.name, size: iso.bytes.length, sha256: digest(iso.bytes) },
      header,
    },
    stop,
  };
}
