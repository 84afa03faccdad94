// Helm faults: a tarball that does not match its checksum, a mirror that is down,
// manifests the API server rejects, hooks that fail, hang or are not executable.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect } from 'vitest'
import { closedPort } from '../support/fault-servers.ts'
import { tempDir } from '../support/git-repo.ts'
import { mirrorUrl } from '../support/testbed.ts'
import { act, bed, clusterA, faultCase } from './action.ts'
import { faultSuite, planYaml, valuesYaml } from './ops.ts'
import {
  expectFailed,
  expectSucceeded,
  gone,
  history,
  message,
  resultOf,
  stepErrors
} from './outcomes.ts'

const { onePlan } = faultSuite()

describe('helm binary', () => {
  faultCase(
    'a tarball whose checksum does not match',
    'step error "does not match its published checksum ... refusing to use it"; every affected plan fails with it; nothing cached, nothing deployed; a re-run from the good mirror installs',
    async () => {
      const c = await onePlan('sum', (_, plan) => ({ [plan]: planYaml() }))
      const { ns } = c
      const toolCache = await tempDir('faults-tool-cache-')
      const inputs = {
        'helm-version': bed.helm4Version,
        'helm-download-url': mirrorUrl(bed.helmMirrorBad)
      }
      const env = { NODE_EXTRA_CA_CERTS: bed.ca }
      const run = await c.push({ inputs, env, toolCache })
      const url = `${bed.helmMirrorBad.replace(/\/$/, '')}/helm-${bed.helm4Version}-linux-amd64.tar.gz`
      const error = new RegExp(
        `^helm ${bed.helm4Version} from ${url.replace(/[.]/g, '\\.')} does not match its published checksum \\(SHA-256 [0-9a-f]{64}, expected [0-9a-f]{64} from ${url.replace(/[.]/g, '\\.')}\\.sha256sum\\); refusing to use it\\. Check that helm-download-url points at an unaltered mirror\\.$`
      )
      expect(run.code).toBe(1)
      expectFailed(
        run,
        `local/a/${ns}/app.yaml`,
        new RegExp(`^local/a/${ns}/app\\.yaml: ${error.source.slice(1)}`)
      )
      expect(existsSync(join(toolCache, 'helm'))).toBe(false)
      expect(await clusterA.releaseSecrets(ns, 'app')).toEqual([])
      const rerun = await c.push({
        inputs: { ...inputs, 'helm-download-url': mirrorUrl(bed.helmMirror) },
        env,
        toolCache
      })
      expectSucceeded(rerun, `local/a/${ns}/app.yaml`, 'install', 1)
      expect(existsSync(join(toolCache, 'helm'))).toBe(true)
    }
  )

  faultCase(
    'the helm mirror is down',
    'every affected plan fails "could not download the tarball of helm ... (check helm-version and helm-download-url)"; nothing deployed',
    async () => {
      const c = await onePlan('mirror', (_, plan) => ({ [plan]: planYaml() }))
      const port = await closedPort()
      const toolCache = await tempDir('faults-tool-cache-')
      const run = await c.push({
        inputs: {
          'helm-version': bed.helm4Version,
          'helm-download-url': mirrorUrl(`http://127.0.0.1:${port}/helm`)
        },
        toolCache
      })
      expectFailed(
        run,
        c.plan,
        new RegExp(
          `^${c.plan}: could not download the tarball of helm ${bed.helm4Version} from http://127\\.0\\.0\\.1:${port}/helm/helm-${bed.helm4Version}-linux-amd64\\.tar\\.gz: .*ECONNREFUSED.* \\(check helm-version and helm-download-url\\)$`
        )
      )
      expect(await clusterA.releaseSecrets(c.ns, 'app')).toEqual([])
    },
    150_000
  )
})

describe('helm on the cluster', () => {
  faultCase(
    'manifests the API server rejects',
    'upgrade fails with the API server\'s "Invalid value"; revision 1 stays deployed (its objects unchanged); the re-run fails the same; a fix in git upgrades to revision 4',
    async () => {
      const c = await onePlan('reject', (_, plan) => ({
        'values/app.yaml': valuesYaml('v1'),
        [plan]: planYaml({ values: 'values/app.yaml' })
      }))
      expectSucceeded(await c.push(), c.plan, 'install', 1)
      const bad = await c.ops.commit({
        'values/app.yaml': `${valuesYaml('v2')}extra:\n  "bad key!": x\n`
      })
      const trigger = { push: { before: c.head, after: bad } }
      const rejected = new RegExp(
        `^${c.plan}: helm upgrade failed: .*ConfigMap "app-hello" is invalid: data\\[bad key!\\]: Invalid value: "bad key!"`
      )
      const run = await act(c.ops.repo.dir, trigger)
      expectFailed(run, c.plan, rejected, { operation: 'upgrade' })
      expect(await message(clusterA, c.ns, 'app')).toBe('v1')
      expect(await history(clusterA, c.ns, 'app')).toEqual(['1:deployed', '2:failed'])
      const rerun = await act(c.ops.repo.dir, trigger)
      expectFailed(rerun, c.plan, rejected, { operation: 'upgrade' })
      expect(await message(clusterA, c.ns, 'app')).toBe('v1')
      expect(await history(clusterA, c.ns, 'app')).toEqual(['1:deployed', '2:failed', '3:failed'])
      const fixed = await c.ops.commit({ 'values/app.yaml': valuesYaml('v3') })
      const after = await act(c.ops.repo.dir, { push: { before: bad, after: fixed } })
      expectSucceeded(after, c.plan, 'upgrade', 4)
      expect(await message(clusterA, c.ns, 'app')).toBe('v3')
    },
    150_000
  )

  faultCase(
    'a manifest with a field its kind does not have (helm runs without client-side OpenAPI validation)',
    "install fails with the API server's strict field validation naming the field (Helm 4 sends fieldValidation=Strict with its server-side apply); no object is created",
    async () => {
      const c = await onePlan('typo', (_, plan) => ({
        'charts/typo/Chart.yaml': 'apiVersion: v2\nname: typo\nversion: 1.0.0\n',
        'charts/typo/templates/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\ndataa:\n  x: y\n',
        [plan]: planYaml({ chart: './charts/typo' })
      }))
      const run = await c.push()
      expectFailed(
        run,
        c.plan,
        new RegExp(`^${c.plan}: helm install failed: .*\\.dataa: field not declared in schema`),
        {
          operation: 'install'
        }
      )
      expect(run.log).toMatch(/helm install .*--disable-openapi-validation/)
      expect(await history(clusterA, c.ns, 'app')).toEqual(['1:failed'])
      await expect(
        clusterA.core.readNamespacedConfigMap({ name: 'typo', namespace: c.ns })
      ).rejects.toThrow()
    }
  )
})

describe('hooks', () => {
  faultCase(
    'a pre-install hook that fails',
    'the plan fails "pre-install hook ... exited with 3: boom; helm install was not run"; no release; the other plan installs (unchanged on the re-run); the re-run fails the same',
    async () => {
      const c = await onePlan('hookfail', (ns, plan) => ({
        'hooks/fail.sh': 'echo "pre says hi"\necho boom >&2\nexit 3\n',
        [plan]: planYaml({ hooks: { 'pre-install': ['hooks/fail.sh'] } }),
        [`local/a/${ns}/other.yaml`]: planYaml()
      }))
      const runs = [await c.push(), await c.push()]
      for (const [i, run] of runs.entries()) {
        expectFailed(
          run,
          c.plan,
          `${c.plan}: pre-install hook hooks/fail.sh exited with 3: boom; helm install was not run`,
          { operation: 'install' }
        )
        // The other plan installs, then the re-run finds it already deployed.
        expect(resultOf(run, `local/a/${c.ns}/other.yaml`).status).toBe(
          i === 0 ? 'succeeded' : 'unchanged'
        )
        // The hook's output is in the plan's log group.
        expect(run.log).toContain('  pre says hi')
      }
      expect(await history(clusterA, c.ns, 'app')).toEqual([])
      expect(await history(clusterA, c.ns, 'other')).toEqual(['1:deployed'])
    }
  )

  faultCase(
    'a post-upgrade hook that fails',
    'the plan fails after the upgrade (revision 2 deployed); the re-run runs only the hook again (no new revision), failing the same',
    async () => {
      const c = await onePlan('postfail', (_, plan) => ({
        'values/app.yaml': valuesYaml('one'),
        'hooks/post.sh': 'echo "$GITOPS_OPERATION" >> post.log\necho "post boom" >&2\nexit 1\n',
        [plan]: planYaml({
          values: 'values/app.yaml',
          hooks: { 'post-upgrade': ['hooks/post.sh'] }
        })
      }))
      expectSucceeded(await c.push(), c.plan, 'install', 1)
      const next = await c.ops.commit({ 'values/app.yaml': valuesYaml('two') })
      const trigger = { push: { before: c.head, after: next } }
      const error = `${c.plan}: post-upgrade hook hooks/post.sh exited with 1: post boom`
      expectFailed(await act(c.ops.repo.dir, trigger), c.plan, error, { operation: 'upgrade' })
      expect(await message(clusterA, c.ns, 'app')).toBe('two')
      expectFailed(await act(c.ops.repo.dir, trigger), c.plan, error, { operation: 'upgrade' })
      expect(readFileSync(join(c.ops.repo.dir, 'post.log'), 'utf8')).toBe('upgrade\nupgrade\n')
      expect(await history(clusterA, c.ns, 'app')).toEqual(['1:superseded', '2:deployed'])
    }
  )

  faultCase(
    'a hook that hangs past hook-timeout',
    'killed after 2 s with its whole process tree (background child too): "timed out after 2 s (hook-timeout); its processes were killed; helm install was not run"',
    async () => {
      const c = await onePlan('hang', (_, plan) => ({
        'hooks/hang.sh': 'echo $$ > hook.pid\nsleep 600 &\necho $! > child.pid\nsleep 600\n',
        [plan]: planYaml({ hooks: { 'pre-install': ['hooks/hang.sh'] } })
      }))
      const run = await c.push({ inputs: { 'hook-timeout': '2' } })
      expectFailed(
        run,
        c.plan,
        `${c.plan}: pre-install hook hooks/hang.sh timed out after 2 s (hook-timeout); its processes were killed; helm install was not run`,
        { operation: 'install' }
      )
      expect(run.durationMs).toBeLessThan(20_000)
      for (const file of ['hook.pid', 'child.pid']) {
        const pid = Number(readFileSync(join(c.ops.repo.dir, file), 'utf8'))
        expect(pid).toBeGreaterThan(1)
        expect(gone(pid), `${file} ${pid} still runs`).toBe(true)
      }
      expect(await history(clusterA, c.ns, 'app')).toEqual([])
    }
  )

  faultCase(
    'a hook script that is not executable',
    'runs anyway: hooks run through the shell input (mode 0644 is enough); install succeeds',
    async () => {
      const c = await onePlan('noexec', (_, plan) => ({
        'hooks/plain.sh': 'echo "$GITOPS_OPERATION $GITOPS_RELEASE" > plain.out\n',
        [plan]: planYaml({ hooks: { 'pre-install': ['hooks/plain.sh'] } })
      }))
      expect((await c.ops.repo.git('ls-files', '-s', 'hooks/plain.sh')).startsWith('100644')).toBe(
        true
      )
      const run = await c.push()
      expectSucceeded(run, c.plan, 'install', 1)
      expect(readFileSync(join(c.ops.repo.dir, 'plain.out'), 'utf8')).toBe('install app\n')
    }
  )

  faultCase(
    'a shell that cannot start',
    'the plan fails "pre-install hook ... could not start: ... ENOENT; helm install was not run"; no release',
    async () => {
      const c = await onePlan('noshell', (_, plan) => ({
        'hooks/plain.sh': 'true\n',
        [plan]: planYaml({ hooks: { 'pre-install': ['hooks/plain.sh'] } })
      }))
      const run = await c.push({
        inputs: { shell: '/nonexistent/bash -e' }
      })
      expectFailed(
        run,
        c.plan,
        `${c.plan}: pre-install hook hooks/plain.sh could not start: could not start /nonexistent/bash: spawn /nonexistent/bash ENOENT; helm install was not run`,
        { operation: 'install' }
      )
      expect(stepErrors(run)).toEqual([`1 of 1 plan(s) failed: ${c.plan}`])
      expect(await history(clusterA, c.ns, 'app')).toEqual([])
    }
  )
})
