// A small HTTP(S) client for health probes and bootstrap calls (no dependency).
import http from 'node:http'
import https from 'node:https'
import { Buffer } from 'node:buffer'
import { readFileSync } from 'node:fs'

/**
 * Sends one request. `tls`: { ca, cert, key } file paths; `auth`: 'user:pass' (Basic)
 * or { bearer }. Resolves { status, body } and never throws on an HTTP status.
 */
export function request(url, { method = 'GET', tls = {}, auth, json, timeoutMs = 3000 } = {}) {
  const u = new URL(url)
  const headers = {}
  if (typeof auth === 'string')
    headers.authorization = `Basic ${Buffer.from(auth).toString('base64')}`
  else if (auth?.bearer) headers.authorization = `Bearer ${auth.bearer}`
  let body
  if (json !== undefined) {
    body = JSON.stringify(json)
    headers['content-type'] = 'application/json'
  }
  const options = {
    method,
    headers,
    timeout: timeoutMs,
    ...(u.protocol === 'https:'
      ? {
          ca: tls.ca ? readFileSync(tls.ca) : undefined,
          cert: tls.cert ? readFileSync(tls.cert) : undefined,
          key: tls.key ? readFileSync(tls.key) : undefined
        }
      : {})
  }
  return new Promise((resolve, reject) => {
    const req = (u.protocol === 'https:' ? https : http).request(u, options, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () =>
        resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') })
      )
    })
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end(body)
  })
}
