// Free loopback ports, and the health of a running bed (for reuse and `ctl status`).
import { createServer } from 'node:net'
import { request } from './http.mjs'
import { running } from './state.mjs'
import { apiserverReady } from './cluster.mjs'

/** `count` distinct free ports on 127.0.0.1 (held open together, then released). */
export async function freePorts(count) {
  const servers = []
  try {
    for (let i = 0; i < count; i++) {
      const srv = createServer()
      await new Promise((resolve, reject) => {
        srv.once('error', reject)
        srv.listen(0, '127.0.0.1', resolve)
      })
      servers.push(srv)
    }
    return servers.map((s) => s.address().port)
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  }
}

/** undefined when every tracked process runs and answers; else what is wrong. */
export async function bedHealth(state) {
  for (const [name, p] of Object.entries(state.procs)) {
    if (!running(state, name)) return `${name} (pid ${p.pid}) is not running`
  }
  try {
    for (const c of state.clusters ?? []) {
      if (c.external) continue
      const ok = await apiserverReady(c.server, c.tls)
      if (ok !== true) return `${c.setup} apiserver: ${ok}`
    }
    const tls = { ca: state.bedCa }
    const nginx = await request(`https://127.0.0.1:${state.nginx.port}/helm/`, { tls })
    if (nginx.status >= 500) return `nginx: HTTP ${nginx.status}`
    const reg = await request(`https://127.0.0.1:${state.registry.port}/v2/`, { tls })
    // 401: up, and asking for the credentials it was started with.
    if (reg.status !== 401) return `registry: HTTP ${reg.status}`
  } catch (err) {
    return err.message
  }
  return undefined
}
