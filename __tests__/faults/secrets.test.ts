// SOPS-encrypted values: a plan whose values file sops encrypted for an age key
// deploys with the decrypted value (read back from the API server) and the plaintext
// shows nowhere the run wrote; the decrypted file is private and gone when the main
// step ends; a preview never decrypts; a wrong key and a sops download whose checksum
// does not match fail the plan clearly; a second run takes sops from the tool cache;
// sops gets an environment of its own; a decrypted value too short to mask is named.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect } from 'vitest'
import { encrypt, newAgeKey, sopsKit } from '../support/sops.ts'
import { tempDir } from '../support/git-repo.ts'
import { act, bed, clusterA, faultCase, GITHUB_TOKEN, leaks, secret } from './action.ts'
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

interface EncryptedPlanOptions {
  readonly recipient?: string
  /** More values in the encrypted file, as YAML lines. */
  readonly more?: string
  /** A post-install hook (its script committed too). */
  readonly hook?: { readonly path: string; readonly script: string }
}

/** A plan on local/a whose values file is encrypted for `recipient`; the plaintext is searched for in every run. */
async function encryptedPlan(name: string, options: EncryptedPlanOptions = {}) {
  const ns = suite.ns(name)
  const plaintext = secret(`s3cret-${name}-${Math.random().toString(36).slice(2)}`)
  const ops = await opsRepo()
  const plan = `local/a/${ns}/app.yaml`
  const values = valuesYaml(plaintext) + (options.more ?? '')
  const encrypted = encrypt(kit, 'secret.yaml', values, options.recipient ?? kit.recipient)
  const { hook } = options
  const head = await ops.commit({
    'values/secret.yaml': encrypted,
    ...(hook && { [hook.path]: hook.script }),
    [plan]: planYaml({
      values: 'values/secret.yaml',
      ...(hook && { hooks: { 'post-install': [hook.path] } })
    })
  })
  return { ns, ops, plan, head, plaintext, encrypted }
}

/** Prints the mode of every decrypted values file while the run holds them. */
const modesHook = {
  path: 'hooks/modes.sh',
  script:
    'find "$RUNNER_TEMP" -path "*/gitops-action-*/values/*" -type f -exec stat -c "decrypted file mode %a" {} \\;\n'
}

describe('SOPS-encrypted values', () => {
  faultCase(
    'a values file encrypted with sops for an age key',
    'installs; the ConfigMap holds the decrypted value; the plaintext is in no log, summary, output or annotation; the decrypted file is 0600 while the run holds it; a second run (new value) takes sops from the tool cache and upgrades',
    async () => {
      const c = await encryptedPlan('sops', { hook: modesHook })
      const toolCache = await tempDir('faults-tool-cache-')
      const run = await act(
        c.ops.repo.dir,
        { push: { before: c.ops.base, after: c.head } },
        { inputs: sopsInputs(), env, toolCache }
      )
      expectSucceeded(run, c.plan, 'install', 1)
      expect(await message(clusterA, c.ns, 'app')).toBe(c.plaintext)
      expect(run.log).toMatch(/sops v3\.\d+\.\d+: SHA-256 [0-9a-f]{64} matches \S+\.sha256sum/)
      expect(run.log.match(/decrypted file mode \d+/g)).toEqual(['decrypted file mode 600'])
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
      const c = await encryptedPlan('wrongkey', { recipient: other.recipient })
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

  faultCase(
    'a later step of the job looks for the decrypted values and the kubeconfigs',
    "the run's folder (kubeconfigs, decrypted values, helm repository config) is gone when the action's main step ends, before any later step; the runner does not start the post step (nothing to clean)",
    async () => {
      const c = await encryptedPlan('later')
      let workdir = ''
      let left: string[] = []
      const run = await act(
        c.ops.repo.dir,
        { push: { before: c.ops.base, after: c.head } },
        {
          inputs: sopsInputs(),
          env,
          // Between the main and the post step: where the job's later steps run.
          beforePost: (state) => {
            workdir = state[STATE_KEY] ?? ''
            left = readdirSync(dirname(workdir)).filter((f) => f.startsWith('gitops-action-'))
          }
        }
      )
      expectSucceeded(run, c.plan, 'install', 1)
      expect(workdir).toMatch(/gitops-action-/)
      expect(left).toEqual([])
      expect(run.post).toBeUndefined()
    }
  )

  faultCase(
    'the main step is killed (SIGKILL) while it holds decrypted values and kubeconfigs',
    "the runner starts the post step (post-if: failure), which removes the run's folder",
    async () => {
      const c = await encryptedPlan('killed', {
        hook: { path: 'hooks/hang.sh', script: 'touch hang.started; sleep 60\n' }
      })
      let workdir = ''
      const run = await act(
        c.ops.repo.dir,
        { push: { before: c.ops.base, after: c.head } },
        {
          inputs: { ...sopsInputs(), 'hook-timeout': '120' },
          env,
          // Killed as a runner kills a step past its timeout: no handler runs.
          timeoutMs: 20_000,
          beforePost: (state) => {
            workdir = state[STATE_KEY] ?? ''
          }
        }
      )
      expect(run.signal).toBe('SIGKILL')
      // Killed in its post-install hook: the values were decrypted and the kubeconfig fetched.
      expect(existsSync(join(c.ops.repo.dir, 'hang.started'))).toBe(true)
      expect(workdir).toMatch(/gitops-action-/)
      expect(run.post?.stdout).toContain(`Removed ${workdir}`)
      expect(existsSync(workdir)).toBe(false)
    }
  )

  faultCase(
    'sops runs while the job holds other secrets (the GitHub token, a variable of the job)',
    "sops gets its key, PATH and HOME, and none of GITHUB_*, INPUT_*, RUNNER_*, ACTIONS_* nor the job's other variables",
    async () => {
      const c = await encryptedPlan('sopsenv')
      // A sops on PATH that writes down its environment, then runs the real one.
      const bin = await tempDir('faults-sops-bin-')
      const seen = await tempDir('faults-sops-env-')
      writeFileSync(
        join(bin, 'sops'),
        `#!/bin/sh\nenv -0 > "${seen}/env-$$"\nexec "${kit.sops}" "$@"\n`,
        { mode: 0o755 }
      )
      const jobSecret = secret(`job-secret-${Math.random().toString(36).slice(2)}`)
      const run = await act(
        c.ops.repo.dir,
        { push: { before: c.ops.base, after: c.head } },
        {
          inputs: { 'sops-version': 'system', 'sops-age-key': kit.ageKey },
          env: {
            ...env,
            PATH: `${bin}:${dirname(bed.helm4)}:${process.env.PATH ?? ''}`,
            GITHUB_TOKEN: GITHUB_TOKEN,
            DEPLOY_PASSWORD: jobSecret
          }
        }
      )
      expectSucceeded(run, c.plan, 'install', 1)
      const runs = readdirSync(seen).map((f) =>
        readFileSync(join(seen, f), 'utf8')
          .split('\0')
          .filter(Boolean)
          .map((line) => line.slice(0, line.indexOf('=')))
      )
      // `sops --version` (no key), then the decryption (the key).
      expect(runs).toHaveLength(2)
      for (const names of runs) {
        expect(names).toEqual(expect.arrayContaining(['PATH', 'HOME']))
        expect(names.filter((n) => /^(GITHUB_|INPUT_|RUNNER_|ACTIONS_|STATE_)/.test(n))).toEqual([])
        expect(names).not.toContain('DEPLOY_PASSWORD')
      }
      expect(runs.filter((names) => names.includes('SOPS_AGE_KEY'))).toHaveLength(1)
    }
  )

  faultCase(
    'decrypted SOPS values of one and two characters ("7", "no")',
    'they are left unmasked (masking "7" would garble the log) and one warning names the file and their keys, never the values; the long secret is masked',
    async () => {
      const c = await encryptedPlan('short', { more: 'pin: "no"\nport: 7\n' })
      const run = await act(
        c.ops.repo.dir,
        { push: { before: c.ops.base, after: c.head } },
        { inputs: sopsInputs(), env }
      )
      expectSucceeded(run, c.plan, 'install', 1)
      expect(run.masked).toContain(c.plaintext)
      expect(run.masked).not.toContain('no')
      expect(run.masked).not.toContain('7')
      const warnings = run.annotations.filter((a) => a.level === 'warning').map((a) => a.message)
      expect(warnings).toContainEqual(
        expect.stringMatching(
          /^values\/secret\.yaml, decrypted: 2 value\(s\) of under 4 characters are not masked in the log \(pin, port\)/
        )
      )
    }
  )
})
