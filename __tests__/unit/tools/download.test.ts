import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { downloadFile } from '../../../src/tools/download.ts'
import {
  body,
  hang,
  startFaultServer,
  status,
  type FaultServer
} from '../../support/fault-servers.ts'

let server: FaultServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('downloadFile', () => {
  it('retries a 5xx and stores the body', async () => {
    server = await startFaultServer({ '/helm.tgz': [status(503), body('tarball')] })
    const file = await downloadFile(`${server.url}/helm.tgz`, { auth: 'Basic eDp5' })
    expect(readFileSync(file, 'utf8')).toBe('tarball')
    expect(server.requests.map((r) => [r.status, r.authorization])).toEqual([
      [503, 'Basic eDp5'],
      [200, 'Basic eDp5']
    ])
  })

  it('stops a hanging download at once when the run is cancelled', async () => {
    server = await startFaultServer({ '/helm.tgz': [hang] })
    const cancel = new AbortController()
    const started = performance.now()
    setTimeout(() => cancel.abort(), 300)
    await expect(downloadFile(`${server.url}/helm.tgz`, { signal: cancel.signal })).rejects.toThrow(
      /^stopped: the run was cancelled$/
    )
    expect(performance.now() - started).toBeLessThan(2_000)
  })

  it('does not retry a 404', async () => {
    server = await startFaultServer({})
    await expect(downloadFile(`${server.url}/helm.tgz`)).rejects.toThrow(
      /^Unexpected HTTP response: 404$/
    )
    expect(server.requests).toHaveLength(1)
  })
})
