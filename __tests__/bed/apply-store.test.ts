// The kubeconfig store client against the bed's real nginx (TLS from the bed CA,
// Basic auth), a file:// store, and a flapping HTTP server for the retries.
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fetchKubeconfig } from '../../src/cluster/kubeconfig-store.ts'
import { mask, resetSecrets } from '../../src/secrets/masking.ts'
import { kubeconfigOf, testbed } from '../support/testbed.ts'

const bed = testbed()
const ca = readFileSync(bed.ca, 'utf8')
const [setupA, setupB] = bed.setups as [string, string]
const filename = 'kubeconfig.yaml'

function withPassword(url: string, password: string): string {
  const u = new URL(url)
  u.password = password
  return u.toString()
}

describe('kubeconfig store over HTTPS with Basic auth', () => {
  it('fetches each setup and registers its credentials before anything prints', async () => {
    resetSecrets()
    for (const setup of [setupA, setupB]) {
      const text = await fetchKubeconfig(setup, { storeUrl: bed.storeUrl, ca, filename })
      expect(text).toBe(readFileSync(kubeconfigOf(setup), 'utf8'))
      const secret = /(?:token|client-key-data): (\S+)/.exec(text)?.[1]
      expect(secret).toBeTruthy()
      expect(mask(`the credential is ${secret}`)).toBe('the credential is ***')
    }
    expect(mask(`store ${bed.storeUrl}`)).not.toContain(bed.storePassword)
  })

  it('refuses an unknown CA without retrying and says which input fixes it', async () => {
    const started = Date.now()
    await expect(
      fetchKubeconfig(setupA, { storeUrl: bed.storeUrl, filename, backoffMs: 2_000 })
    ).rejects.toThrow(
      /kubeconfig of setup local\/a at https:\/\/127\.0\.0\.1:\d+\/.*: TLS verification failed .*kubeconfig-store-ca/
    )
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('names the setup and the URL without credentials on 401', async () => {
    const storeUrl = withPassword(bed.storeUrl, 'wrong-password-123')
    const error = await fetchKubeconfig(setupA, { storeUrl, ca, filename }).catch((e: Error) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(
      /^kubeconfig of setup local\/a at https:\/\/127\.0\.0\.1:\d+\/\S+\/local\/a\/kubeconfig\.yaml: the store refused the credentials \(HTTP 401\)/
    )
    expect((error as Error).message).not.toContain('wrong-password-123')
    expect((error as Error).message).not.toContain(bed.storeUser + ':')
  })

  it('says 404 for a setup the store does not hold', async () => {
    await expect(
      fetchKubeconfig('local/nope', { storeUrl: bed.storeUrl, ca, filename })
    ).rejects.toThrow(
      /kubeconfig of setup local\/nope at .*\/local\/nope\/kubeconfig\.yaml: not found \(HTTP 404\)/
    )
    await expect(
      fetchKubeconfig(setupA, { storeUrl: bed.storeUrl, ca, filename: 'other.yaml' })
    ).rejects.toThrow(/HTTP 404/)
  })
})

describe('kubeconfig store on file://', () => {
  it('reads the file and refuses an invalid kubeconfig without quoting it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-'))
    mkdirSync(join(dir, 'local', 'a'), { recursive: true })
    writeFileSync(join(dir, 'local', 'a', filename), readFileSync(kubeconfigOf(setupA)))
    mkdirSync(join(dir, 'local', 'bad'), { recursive: true })
    writeFileSync(join(dir, 'local', 'bad', filename), 'users:\n- user: {token: "leak-me-please\n')
    const storeUrl = pathToFileURL(dir).toString()
    expect(await fetchKubeconfig(setupA, { storeUrl, filename })).toContain('clusters:')
    const error = (await fetchKubeconfig('local/bad', { storeUrl, filename }).catch(
      (e: Error) => e
    )) as Error
    expect(error.message).toMatch(
      /the kubeconfig of setup local\/bad at file:\/\/.*is not valid: YAML error/
    )
    expect(error.message).not.toContain('leak-me-please')
    await expect(fetchKubeconfig('local/c', { storeUrl, filename })).rejects.toThrow(
      /no kubeconfig for setup local\/c/
    )
  })
})

describe('kubeconfig store that flaps or hangs', () => {
  let answers: number[] = []
  let requests = 0
  let auth: string | undefined
  const server = createServer((req, res) => {
    requests++
    auth = req.headers.authorization
    const status = answers.shift() ?? 200
    if (status === 0) return // hang
    res.statusCode = status
    res.end(status === 200 ? readFileSync(kubeconfigOf(setupB)) : 'oops')
  })
  let base = ''
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://flap:pa%40ss@127.0.0.1:${(server.address() as AddressInfo).port}/store`
  })
  afterAll(() => {
    server.closeAllConnections()
    server.close()
  })

  it('retries 5xx with backoff and sends the URL user info as Basic auth', async () => {
    answers = [500, 503]
    requests = 0
    const text = await fetchKubeconfig(setupB, { storeUrl: base, filename, backoffMs: 50 })
    expect(text).toContain('clusters:')
    expect(requests).toBe(3)
    expect(auth).toBe(`Basic ${Buffer.from('flap:pa@ss').toString('base64')}`)
  })

  it('gives up after the last attempt and times out a hanging store', async () => {
    answers = [502, 502, 502]
    requests = 0
    await expect(
      fetchKubeconfig(setupB, { storeUrl: base, filename, backoffMs: 10, attempts: 3 })
    ).rejects.toThrow(/HTTP 502 \(gave up after 3 attempts\)/)
    expect(requests).toBe(3)
    answers = [0, 0]
    await expect(
      fetchKubeconfig(setupB, {
        storeUrl: base,
        filename,
        backoffMs: 10,
        attempts: 2,
        timeoutMs: 300
      })
    ).rejects.toThrow(/no answer within 300 ms \(gave up after 2 attempts\)/)
  })
})
