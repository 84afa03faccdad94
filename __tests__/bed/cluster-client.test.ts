// The small Kubernetes client on the bed's API servers: a client certificate
// (cluster a), a bearer token (cluster b), and an exec credential plugin that
// hands out cluster b's token, as EKS/GKE/AKS kubeconfigs do.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { dump, load } from 'js-yaml'
import { describe, expect, it } from 'vitest'
import { connectCluster, KubeApiError } from '../../src/cluster/client.ts'
import { mask } from '../../src/secrets/masking.ts'
import { testbed } from '../support/testbed.ts'

const bed = testbed()
const signal = new AbortController().signal

async function version(text: string, path: string): Promise<string> {
  const client = await connectCluster(text, path, signal)
  try {
    return (await client.get<{ gitVersion: string }>('/version')).gitVersion
  } finally {
    await client.close()
  }
}

interface Kubeconfig {
  users: Array<{ name: string; user: Record<string, unknown> }>
}

describe('connectCluster', () => {
  it.each([0, 1])('reaches cluster %i with its admin kubeconfig', async (i) => {
    const path = bed.kubeconfigs[i] as string
    expect(await version(readFileSync(path, 'utf8'), path)).toMatch(/^v1\./)
  })

  it('runs an exec credential plugin once and uses its token (masked)', async () => {
    const path = bed.kubeconfigs[1] as string
    const doc = load(readFileSync(path, 'utf8')) as Kubeconfig
    const user = doc.users[0]?.user as Record<string, unknown>
    const token = String(user.token)
    const dir = mkdtempSync(join(tmpdir(), 'exec-plugin-'))
    const plugin = join(dir, 'plugin.sh')
    writeFileSync(
      plugin,
      `#!/bin/sh\necho called >> '${dir}/calls'\ntest -n "$KUBERNETES_EXEC_INFO" || exit 9\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"'"$THE_TOKEN"'"}}'\n`,
      { mode: 0o755 }
    )
    doc.users[0] = {
      name: doc.users[0]?.name ?? 'u',
      user: {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: plugin,
          env: [{ name: 'THE_TOKEN', value: token }],
          interactiveMode: 'Never'
        }
      }
    }
    const execPath = join(dir, 'kubeconfig.yaml')
    expect(await version(dump(doc), execPath)).toMatch(/^v1\./)
    expect(readFileSync(join(dir, 'calls'), 'utf8')).toBe('called\n')
    expect(mask(`token ${token}`)).toBe('token ***')
  })

  it('a refused credential is an error with the status, not a crash', async () => {
    const path = bed.kubeconfigs[1] as string
    const doc = load(readFileSync(path, 'utf8')) as Kubeconfig
    ;(doc.users[0] as { user: Record<string, unknown> }).user = { token: 'not-a-valid-token' }
    const client = await connectCluster(dump(doc), path, signal)
    try {
      await expect(client.get('/api/v1/namespaces/default/secrets')).rejects.toThrow(KubeApiError)
      await expect(client.get('/api/v1/namespaces/default/secrets')).rejects.toThrow(
        /^the Kubernetes API answered 401 to GET \/api\/v1\/namespaces\/default\/secrets/
      )
    } finally {
      await client.close()
    }
  })
})
