// SOPS-encrypted values: a plan whose values file sops encrypted for an age key
// deploys with the decrypted value (read back from the API server) and the plaintext
// shows nowhere the run wrote; the decrypted file is private and gone after the post
// step; a preview never decrypts; a wrong key and a sops download whose checksum does
// not match fail the plan clearly; a second run takes sops from the tool cache.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect } from 'vitest'
import { encrypt, newAgeKey, sopsKit } from '../support/sops.ts'
import { tempDir } from '../support/git-repo.ts'
import { act, bed, clusterA, faultCase, leaks, secret } from './action.ts'
import { faultSuite, opsRepo, planYaml, valuesYaml } from './ops.ts'
import { expectFailed, expectSucceeded, message, resultOf } from './outcomes.ts'
import { STATE_KEY } from '../../src/apply/workdir-state.ts'

const kit = sopsKit()
secret(kit.ageKey)
const suite = faultSuite()

/** The sops release through the bed's mirror (nginx), as the official layout names it. */
const mirrorTemplate = (base: string): string =>
  `${base.replace(/\/$/, '')}/sops-{version}.{os}.{arch}`
const sopsInputs = (base = bed.helmMirror): Record<string, string> => ({
  'sops-version': kit.version,
  'sops-download-url': mirrorTemplate(base),
  'sops-age-key': kit.ageKey
})
const env = { NODE_EXTRA_CA_CERTS: bed.ca }

/** A plan on local/a whose values file is encrypted for `recipient`; the plaintext is searched for in every run. */
async function encryptedPlan(name: string, recipient = kit.recipient) {
  const ns = suite.ns(name)
  const plaintext = secret(`s3cret-${name}-${Math.random().toString(36).slice(2)}`)
  const ops = await opsRepo()
  const plan = `local/a/${ns}/app.yaml`
  const encrypted = encrypt(kit, 'secret.yaml', valuesYaml(plaintext), recipient)
  const head = await ops.commit({
    'values/secret.yaml': encrypted,
    [plan]: planYaml({ values: 'values/secret.yaml' })
  })
  return { ns, ops, plan, head, plaintext, encrypted }
}

/** Every decrypted values file the run left in its private folder: path → mode. */
function decryptedFiles(root: string): Map<string, number> {
  const found = new Map<string, number>()
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else found.set(path, statSync(path).mode & 0o777)
    }
  }
  if (existsSync(join(root, 'values'))) walk(join(root, 'values'))
  return found
}

describe('SOPS-encrypted values', () => {
  faultCase(
    'a values file encrypted with sops for an age key',
    'installs; the ConfigMap holds the decrypted value; the plaintext is in no log, summary, output or annotation; the decrypted file is 0600 and removed by the post step; a second run (new value) takes sops from the tool cache and upgrades',
    async () => {
      const c = await encryptedPlan('sops')
      const toolCache = await tempDir('faults-tool-cache-')
      let decrypted = new Map<string, number>()
      let workdir = ''
      const run = await act(
        c.ops.repo.dir,
        { push: { before: c.ops.base, after: c.head } },
        {
          inputs: sopsInputs(),
          env,
          toolCache,
          // checked before the post step removes the folder
          beforePost: (state) => {
            workdir = state[STATE_KEY] ?? ''
            decrypted = decryptedFiles(workdir)
          }
        }
      )
      expectSucceeded(run, c.plan, 'install', 1)
      expect(await message(clusterA, c.ns, 'app')).toBe(c.plaintext)
      expect(run.log).toMatch(/sops v3\.\d+\.\d+: SHA-256 [0-9a-f]{64} matches \S+\.sha256sum/)
      expect([...decrypted.values()], JSON.stringify([...decrypted])).toEqual([0o600])
      expect(workdir).not.toBe('')
      expect(existsSync(workdir)).toBe(false)
      expect(leaks(run)).toEqual([])
      expect(run.masked).toContain(c.plaintext)

      const next = secret(`s3cret-next-${Math.random().toString(36).slice(2)}`)
      const head = await c.ops.commit({
        'values/secret.yaml': encrypt(kit, 'secret.yaml', valuesYaml(next))
      })
      const rerun = await act(
        c.ops.repo.dir,
        { push: { before: c.head, after: head } },
        { inputs: sopsInputs(), env, toolCache }
      )
      expectSucceeded(rerun, c.plan, 'upgrade', 2)
      expect(await message(clusterA, c.ns, 'app')).toBe(next)
      expect(rerun.log).toMatch(/Using sops v3\.\d+\.\d+ from the tool cache/)
      expect(rerun.log).not.toMatch(/sops v3\.\d+\.\d+ downloaded from|SHA-256 .* matches/)
    }
  )

  faultCase(
    'a pull request preview of an encrypted values file',
    'renders without decrypting: no sops download, no key needed; the note names the file and the digests of its ciphertext; a changed secret shows a changed digest; the plaintext shows nowhere',
    async () => {
      const c = await encryptedPlan('preview')
      const toolCache = await tempDir('faults-tool-cache-')
      const preview = (head: string) =>
        act(
          c.ops.repo.dir,
          { pullRequest: { base: c.ops.base, head } },
          // no age key at all: a preview must not need one
          { inputs: { 'sops-download-url': mirrorTemplate(bed.helmMirror) }, env, toolCache }
        )
      const run = await preview(c.head)
      const result = resultOf(run, c.plan)
      expect(result.status, result.error ?? '').toBe('planned')
      const note = result.notes.find((n) => n.startsWith('values/secret.yaml is SOPS-encrypted'))
      expect(note).toMatch(/not decrypted in a preview.*file digest [0-9a-f]{16}/)
      expect(existsSync(join(toolCache, 'sops'))).toBe(false)
      expect(await clusterA.releaseSecrets(c.ns, 'app')).toEqual([])

      const changed = await c.ops.commit({
        'values/secret.yaml': encrypt(kit, 'secret.yaml', valuesYaml(secret('another-value-1234')))
      })
      const again = resultOf(await preview(changed), c.plan)
      const noteAgain = again.notes.find((n) =>
        n.startsWith('values/secret.yaml is SOPS-encrypted')
      )
      expect(noteAgain).toBeDefined()
      expect(noteAgain).not.toBe(note)
    }
  )

  faultCase(
    'a values file encrypted for another age key',
    'the plan fails "could not decrypt values/secret.yaml with sops: it needs one of: age recipient age1…", naming the key and not the content; nothing deployed',
    async () => {
      const other = newAgeKey(kit.ageKeygen)
      const c = await encryptedPlan('wrongkey', other.recipient)
      const run = await act(
        c.ops.repo.dir,
        { push: { before: c.ops.base, after: c.head } },
        { inputs: sopsInputs(), env }
      )
      const result = expectFailed(
        run,
        c.plan,
        new RegExp(
          `^${c.plan}: could not decrypt values/secret\\.yaml with sops: it needs one of: age recipient ${other.recipient}\\. Give the age private key in sops-age-key`
        ),
        { operation: 'install' }
      )
      expect(result.error).not.toContain('ENC[')
      expect(await clusterA.releaseSecrets(c.ns, 'app')).toEqual([])
    }
  )

  faultCase(
    'a sops download whose checksum does not match',
    'the plan fails "sops … does not match its published checksum … refusing to use it"; nothing cached, nothing deployed',
    async () => {
      const c = await encryptedPlan('sopssum')
      const toolCache = await tempDir('faults-tool-cache-')
      const run = await act(
        c.ops.repo.dir,
        { push: { before: c.ops.base, after: c.head } },
        { inputs: sopsInputs(bed.helmMirrorBad), env, toolCache }
      )
      expectFailed(
        run,
        c.plan,
        new RegExp(
          `^${c.plan}: sops ${kit.version.replace(/\./g, '\\.')} from \\S+ does not match its published checksum \\(SHA-256 [0-9a-f]{64}, expected [0-9a-f]{64} from \\S+\\.sha256sum\\); refusing to use it\\. Check that sops-download-url points at an unaltered mirror\\.$`
        ),
        { operation: 'install' }
      )
      expect(existsSync(join(toolCache, 'sops'))).toBe(false)
      expect(await clusterA.releaseSecrets(c.ns, 'app')).toEqual([])
    }
  )
})
