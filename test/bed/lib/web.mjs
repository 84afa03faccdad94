// nginx (TLS from the bed CA, Basic auth) serving the kubeconfig store, the classic chart
// repository and the helm tarball mirrors; and docker-registry as OCI registry.
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { join } from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import { Buffer } from 'node:buffer'
import { request } from './http.mjs'
import { launch } from './state.mjs'
import { PartError, waitHealthy } from './procs.mjs'
import { stateDir } from './layout.mjs'

const run = promisify(execFile)

/** An nginx htpasswd line in its {SSHA} scheme (no htpasswd tool needed). */
function htpasswdLine(user, password) {
  const salt = randomBytes(8)
  const digest = createHash('sha1').update(password).update(salt).digest()
  return `${user}:{SSHA}${Buffer.concat([digest, salt]).toString('base64')}\n`
}

export function webDirs() {
  const dir = join(stateDir, 'nginx')
  return { dir, store: join(dir, 'store'), charts: join(dir, 'charts'), logs: join(dir, 'logs') }
}

function nginxConf({ dir, store, charts, logs }, port, tls, bin) {
  const asRoot = process.getuid?.() === 0 ? 'user root;\n' : ''
  return `${asRoot}worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${logs}/error.log warn;
events { worker_connections 256; }
http {
  access_log ${logs}/access.log;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  types { application/yaml yaml; application/gzip gz tgz; text/plain sha256sum; }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${tls.crt};
    ssl_certificate_key ${tls.key};
    location /store/ {
      auth_basic "kubeconfig store";
      auth_basic_user_file ${dir}/store.htpasswd;
      alias ${store}/;
    }
    location /charts/ {
      auth_basic "chart repository";
      auth_basic_user_file ${dir}/charts.htpasswd;
      alias ${charts}/;
    }
    location /helm/ { alias ${bin.helmMirror}/; }
    location /helm-bad/ { alias ${bin.helmMirrorBad}/; }
  }
}
`
}

/** Writes nginx's configuration and password files; the store/charts trees are filled by the caller. */
export function prepareNginx(port, tls, bin, creds) {
  const d = webDirs()
  for (const p of [d.dir, d.store, d.charts, d.logs, join(d.dir, 'tmp')])
    mkdirSync(p, { recursive: true })
  writeFileSync(join(d.dir, 'store.htpasswd'), htpasswdLine(creds.store.user, creds.store.password))
  writeFileSync(
    join(d.dir, 'charts.htpasswd'),
    htpasswdLine(creds.charts.user, creds.charts.password)
  )
  writeFileSync(join(d.dir, 'nginx.conf'), nginxConf(d, port, tls, bin))
  return d
}

export async function startNginx(state, bin, port, tls, report) {
  const d = webDirs()
  const t0 = Date.now()
  const log = join(d.logs, 'nginx.log')
  const handle = launch(state, 'nginx', {
    argv: [
      bin.nginx,
      '-p',
      d.dir,
      '-c',
      join(d.dir, 'nginx.conf'),
      '-e',
      join(d.logs, 'error.log'),
      '-g',
      'daemon off;'
    ],
    log
  })
  await waitHealthy('nginx', {
    ...handle,
    log: join(d.logs, 'error.log'),
    probe: async () => {
      const r = await request(`https://127.0.0.1:${port}/helm/`, { tls: { ca: tls.ca } })
      return r.status === 200 || r.status === 403 || r.status === 404 ? true : `HTTP ${r.status}`
    }
  })
  report('nginx', `https://127.0.0.1:${port} pid ${handle.pid}`, Date.now() - t0)
}

/** The registry's htpasswd line: docker-registry takes bcrypt only. */
async function bcryptLine(bin, user, password) {
  try {
    const { stdout } = await run(bin.htpasswd, ['-nbB', '-C', '6', user, password])
    return stdout.trim() + '\n'
  } catch (err) {
    throw new PartError('registry', `htpasswd failed: ${(err.stderr || err.message).trim()}`)
  }
}

export async function startRegistry(state, bin, port, tls, creds, report) {
  const dir = join(stateDir, 'registry')
  mkdirSync(join(dir, 'data'), { recursive: true })
  const htpasswd = join(dir, 'htpasswd')
  writeFileSync(htpasswd, await bcryptLine(bin, creds.user, creds.password))
  const config = join(dir, 'config.yml')
  writeFileSync(
    config,
    `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
  delete:
    enabled: true
auth:
  htpasswd:
    realm: testbed-registry
    path: ${htpasswd}
http:
  addr: 127.0.0.1:${port}
  tls:
    certificate: ${tls.crt}
    key: ${tls.key}
`
  )
  const t0 = Date.now()
  const log = join(dir, 'registry.log')
  const handle = launch(state, 'registry', { argv: [bin.registry, 'serve', config], log })
  await waitHealthy('registry', {
    ...handle,
    log,
    probe: async () => {
      // 401 without credentials: up and asking for them.
      const r = await request(`https://127.0.0.1:${port}/v2/`, { tls: { ca: tls.ca } })
      return r.status === 401 ? true : `HTTP ${r.status}`
    }
  })
  report('registry', `127.0.0.1:${port} pid ${handle.pid}`, Date.now() - t0)
}
