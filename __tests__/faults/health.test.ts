// The health gate on the bed, both clusters, through the built action: a Deployment
// that becomes available is healthy and its post-hook runs; one whose Pod no node
// takes is unhealthy, with the scheduler's FailedScheduling in its notes and no
// post-hook; with atomic an upgrade is rolled back (a first install uninstalled) and
// the digest quarantined, which a re-sync then skips and retry-quarantined applies;
// an unhealthy first wave stops the second; custom resources judged by a Ready
// condition and by a CEL expression; an API error
// while reading (RBAC that forbids listing the kind) fails the plan. State is read back
// from the API servers, and the gate's own request count from its log.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { APP_CHART } from '../support/app-chart.ts'
import { dump, load } from 'js-yaml'
import * as k8s from '@kubernetes/client-node'
import { describe, expect } from 'vitest'
import { tempDir } from '../support/git-repo.ts'
import { eventually, type Cluster } from '../support/testbed.ts'
import { act, bed, clusterA, clusterB, faultCase, secret, SETUP_A, SETUP_B } from './action.ts'
import { faultSuite, opsRepo, writeStore } from './ops.ts'
import { expectFailed, expectSucceeded, history, resultOf } from './outcomes.ts'

const { ns } = faultSuite()
const SETUPS = [
  [SETUP_A, clusterA],
  [SETUP_B, clusterB]
] as const

/** A post-install/upgrade hook that writes `<setup> <release> <operation>` to a file: what ran. */
async function hookLog(): Promise<{ files: Record<string, string>; ran: () => string[] }> {
  const file = join(await tempDir('gitops-health-'), 'ran')
  return {
    files: {
      'hooks/post.sh': `echo "$GITOPS_SETUP $GITOPS_RELEASE $GITOPS_OPERATION" >> ${JSON.stringify(file)}\n`
    },
    ran: () => {
      try {
        return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).sort()
      } catch {
        return []
      }
    }
  }
}

/** A plan of the app chart with health on and a post-hook, and more lines of its own. */
const appPlan = (lines: string): string =>
  `chart: ./charts/app\nhealth: true\nhooks:\n  post-install: [hooks/post.sh]\n  post-upgrade: [hooks/post.sh]\n${lines}`

const QUARANTINED =
  /^quarantined: re-syncs and drift corrections do not apply plan digest [0-9a-f]{12} again until the plan changes \(retry-quarantined: true applies it anyway\)$/

describe('health', () => {
  faultCase(
    'both clusters: a Deployment that becomes available, one no node takes, and one such as a first install with atomic',
    'web: succeeded, healthy, post-install hook ran, one request per kind a read (31 objects); stuck: failed, unhealthy after its timeout, FailedScheduling of its Pod in the notes, no post-hook, the release stays (revision 1); fresh (atomic): uninstalled',
    async () => {
      const space = ns('gate')
      const hooks = await hookLog()
      const ops = await opsRepo()
      const plans: Record<string, string> = {}
      for (const [setup] of SETUPS) {
        plans[`${setup}/${space}/web.yaml`] = appPlan('timeout: 2m\nset: { configMaps: 30 }\n')
        plans[`${setup}/${space}/stuck.yaml`] = appPlan('timeout: 15s\nset: { stuck: true }\n')
        plans[`${setup}/${space}/fresh.yaml`] = appPlan(
          'timeout: 15s\natomic: true\nset: { stuck: true }\n'
        )
      }
      const run = await ops.push(await ops.commit({ ...APP_CHART, ...hooks.files, ...plans }))
      for (const [setup, cluster] of SETUPS) {
        const p = (name: string): string => `${setup}/${space}/${name}.yaml`
        expect(expectSucceeded(run, p('web'), 'install', 1).health).toBe('healthy')
        expect(await cluster.deploymentAvailable(space, 'web')).toBe(true)

        const stuck = expectFailed(
          run,
          p('stuck'),
          `${p('stuck')}: unhealthy: not current after 15s: Deployment/stuck; post-install hooks were not run; the release stays as helm left it (atomic: true rolls it back); the notes say why; fix the chart or its values and push again, or raise the plan's timeout if it only needs longer`,
          { operation: 'install' }
        )
        expect(stuck.health).toBe('unhealthy')
        expect(stuck.notes).toContainEqual(expect.stringMatching(/^Deployment\/stuck: \S/))
        expect(stuck.notes).toContainEqual(
          expect.stringMatching(
            /^Deployment\/stuck: Pod\/stuck-\S+ Warning FailedScheduling( \(×\d+\))?: 0\/\d+ nodes are available/
          )
        )
        expect(await history(cluster, space, 'stuck')).toEqual(['1:deployed'])

        const fresh = expectFailed(run, p('fresh'), /; uninstalled \(atomic, a first install\);/, {
          operation: 'install'
        })
        expect(fresh.health).toBe('unhealthy')
        expect(fresh.notes).toContain(
          'uninstalled after the failed health check (atomic, a first install)'
        )
        expect(await cluster.releaseSecrets(space, 'fresh')).toEqual([])
        expect(await cluster.deployment(space, 'fresh')).toBeUndefined()
      }
      // Only the healthy releases' post-hooks ran.
      expect(hooks.ran()).toEqual([`${SETUP_A} web install`, `${SETUP_B} web install`])
      expect(run.summary).toContain('✅ succeeded, healthy')
      expect(run.summary).toContain('❌ failed, unhealthy')
      // The request count the gate logs: one LIST of the 30 ConfigMaps and one GET of
      // the Deployment a read, however many reads it took.
      const counts = [
        ...run.log.matchAll(/Health: healthy \(31 object\(s\), (\d+) read\(s\), (\d+) API request/g)
      ].map((m) => [Number(m[1]), Number(m[2])])
      expect(counts).toHaveLength(2)
      for (const [reads, requests] of counts) expect(requests).toBe(2 * (reads ?? 0))
    },
    240_000
  )

  faultCase(
    'both clusters: atomic rolls an unhealthy upgrade back and quarantines it; a re-sync skips it; retry-quarantined applies it',
    'the upgrade (revision 2) is rolled back to 1 (revision 3, its Pods schedulable again), the rollback labelled quarantined; the dispatch re-sync is skipped with the note and leaves history as it is; with retry-quarantined it is applied again (revision 4), unhealthy, rolled back again (revision 5)',
    async () => {
      const space = ns('quarantine')
      const hooks = await hookLog()
      const ops = await opsRepo()
      const plan = (setup: string): string => `${setup}/${space}/web.yaml`
      const good = appPlan('timeout: 15s\natomic: true\n')
      const first = await ops.commit({
        ...APP_CHART,
        ...hooks.files,
        [plan(SETUP_A)]: good,
        [plan(SETUP_B)]: good
      })
      const installed = await ops.push(first)
      for (const [setup] of SETUPS)
        expect(expectSucceeded(installed, plan(setup), 'install', 1).health).toBe('healthy')

      const bad = `${good}set: { stuck: true }\n`
      const head = await ops.commit({ [plan(SETUP_A)]: bad, [plan(SETUP_B)]: bad })
      const upgraded = await act(ops.repo.dir, { push: { before: first, after: head } })
      for (const [setup, cluster] of SETUPS) {
        const result = expectFailed(
          upgraded,
          plan(setup),
          /^\S+: unhealthy: not current after 15s: Deployment\/web; post-upgrade hooks were not run; rolled back to revision 1;/,
          { operation: 'upgrade' }
        )
        expect(result).toMatchObject({ health: 'unhealthy', revision: 2 })
        expect(result.notes).toContain(
          'rolled back to revision 1 after the failed health check (atomic)'
        )
        expect(result.notes).toContainEqual(expect.stringMatching(QUARANTINED))
        expect(await history(cluster, space, 'web')).toEqual([
          '1:superseded',
          '2:superseded',
          '3:deployed'
        ])
        const rollback = (await cluster.releaseSecrets(space, 'web')).at(-1)
        expect(rollback?.metadata?.labels?.['gitops-action/quarantined']).toMatch(
          /^[0-9a-f]{32}\.3$/
        )
        const deployed = await cluster.deployment(space, 'web')
        expect(deployed?.spec?.template.spec?.nodeSelector).toBeUndefined()
      }

      const resync = await act(ops.repo.dir, { dispatch: head })
      expect(resync.code, resync.log).toBe(0)
      for (const [setup, cluster] of SETUPS) {
        const result = resultOf(resync, plan(setup))
        expect(result).toMatchObject({ status: 'skipped', operation: null, health: null })
        expect(result.notes).toEqual([
          expect.stringMatching(
            /^quarantined: plan digest [0-9a-f]{12} failed its health check and was rolled back to revision 3; a re-sync does not apply it again until the plan changes \(push a fix, or run with retry-quarantined: true to apply it anyway\)$/
          )
        ])
        expect(await history(cluster, space, 'web')).toHaveLength(3)
      }

      const forced = await act(
        ops.repo.dir,
        { dispatch: head },
        { inputs: { 'retry-quarantined': 'true' } }
      )
      for (const [setup, cluster] of SETUPS) {
        const result = expectFailed(forced, plan(setup), /unhealthy: not current after 15s/, {
          operation: 'upgrade'
        })
        expect(result).toMatchObject({ health: 'unhealthy', revision: 4 })
        expect(result.notes).toContainEqual(
          expect.stringMatching(/^retry-quarantined: applying it again, though plan digest/)
        )
        expect(await history(cluster, space, 'web')).toEqual([
          '1:superseded',
          '2:superseded',
          '3:superseded',
          '4:superseded',
          '5:deployed'
        ])
      }
      // Only the first install was healthy.
      expect(hooks.ran()).toEqual([`${SETUP_A} web install`, `${SETUP_B} web install`])
    },
    300_000
  )

  faultCase(
    'waves: setup A unhealthy in the first wave',
    'A, health-checked because waves names it, is unhealthy (FailedScheduling in its notes): wave 2 (B) is skipped with a note and B has no release',
    async () => {
      const space = ns('wave')
      const ops = await opsRepo()
      const plan = (setup: string): string => `${setup}/${space}/web.yaml`
      // No `health` in the plans: naming the setups in `waves` turns it on.
      const stuck = 'chart: ./charts/app\ntimeout: 15s\nset: { stuck: true }\n'
      const head = await ops.commit({
        ...APP_CHART,
        [plan(SETUP_A)]: stuck,
        [plan(SETUP_B)]: stuck
      })
      const run = await ops.push(head, { inputs: { waves: `${SETUP_A}\n${SETUP_B}` } })
      const a = expectFailed(
        run,
        plan(SETUP_A),
        /unhealthy: not current after 15s: Deployment\/web;/,
        {
          operation: 'install'
        }
      )
      expect(a).toMatchObject({ health: 'unhealthy', wave: 1 })
      expect(a.notes).toContainEqual(expect.stringMatching(/Warning FailedScheduling/))
      expect(resultOf(run, plan(SETUP_B))).toMatchObject({
        status: 'skipped',
        operation: null,
        health: null,
        wave: 2
      })
      expect(await clusterB.releaseSecrets(space, 'web')).toEqual([])
    },
    180_000
  )

  faultCase(
    'both clusters: custom resources, one judged by its Ready condition, one by a CEL expression',
    'while Widget/w is Ready False and Gadget/g has no phase, the plan is unhealthy with both named; once the status subresource says Ready True and phase Running, a re-sync is healthy and its post-upgrade hook runs',
    async () => {
      const space = ns('crs')
      const group = `${space}.example.com`
      const hooks = await hookLog()
      const ops = await opsRepo()
      const plan = (setup: string): string => `${setup}/${space}/crs.yaml`
      const crsPlan = [
        'chart: ./charts/crs',
        'timeout: 10s',
        'health:',
        '  exprs:',
        `    - apiVersion: ${group}/v1`,
        '      kind: Gadget',
        '      current: has(status.phase) && status.phase == "Running"',
        '      failed: has(status.phase) && status.phase == "Failed"',
        'hooks:',
        '  post-install: [hooks/post.sh]',
        '  post-upgrade: [hooks/post.sh]',
        ''
      ].join('\n')
      const head = await ops.commit({
        'charts/crs/Chart.yaml': 'apiVersion: v2\nname: crs\nversion: 0.1.0\n',
        'charts/crs/crds/widget.yaml': crd(group, 'Widget'),
        'charts/crs/crds/gadget.yaml': crd(group, 'Gadget'),
        'charts/crs/templates/crs.yaml': `apiVersion: ${group}/v1\nkind: Widget\nmetadata: { name: w }\nspec: { size: 1 }\n---\napiVersion: ${group}/v1\nkind: Gadget\nmetadata: { name: g }\nspec: { size: 1 }\n`,
        ...hooks.files,
        [plan(SETUP_A)]: crsPlan,
        [plan(SETUP_B)]: crsPlan
      })
      try {
        // While the gate waits, the Widget's controller (this test) says it is not ready yet.
        const running = ops.push(head)
        for (const [, cluster] of SETUPS) {
          const custom = customObjects(cluster, group, space)
          await eventually('Widget/w created', () => custom.get('widgets', 'w'), 60_000)
          await custom.status('widgets', 'w', {
            conditions: [
              {
                type: 'Ready',
                status: 'False',
                reason: 'Provisioning',
                message: 'waiting for its database'
              }
            ]
          })
        }
        const first = await running
        for (const [setup] of SETUPS) {
          const result = expectFailed(
            first,
            plan(setup),
            /unhealthy: not current after 10s: Gadget\/g, Widget\/w;/,
            { operation: 'install' }
          )
          expect(result.health).toBe('unhealthy')
          expect(result.notes).toContain('Widget/w: waiting for its database')
          expect(result.notes).toContain("Gadget/g: health expression 'current' is not true yet")
        }
        expect(hooks.ran()).toEqual([])

        for (const [, cluster] of SETUPS) {
          const custom = customObjects(cluster, group, space)
          await custom.status('widgets', 'w', {
            conditions: [{ type: 'Ready', status: 'True', reason: 'Provisioned' }]
          })
          await custom.status('gadgets', 'g', { phase: 'Running' })
        }
        const resync = await act(ops.repo.dir, { dispatch: head })
        for (const [setup] of SETUPS)
          expect(expectSucceeded(resync, plan(setup), 'upgrade', 2).health).toBe('healthy')
        expect(hooks.ran()).toEqual([`${SETUP_A} crs upgrade`, `${SETUP_B} crs upgrade`])
      } finally {
        for (const [, cluster] of SETUPS) {
          const ext = cluster.config.makeApiClient(k8s.ApiextensionsV1Api)
          for (const plural of ['widgets', 'gadgets'])
            await ext.deleteCustomResourceDefinition({ name: `${plural}.${group}` })
        }
      }
    },
    240_000
  )

  faultCase(
    'both clusters: an API error while reading the health (RBAC forbids listing ConfigMaps)',
    "the plan fails with the API server's 403 on the LIST of its ConfigMaps, health unhealthy, no post-hook run; the release stays at revision 1 (no atomic)",
    async () => {
      const space = ns('denied')
      const hooks = await hookLog()
      const store: Record<string, string> = {}
      const cleanups: Array<() => Promise<unknown>> = []
      try {
        for (const [setup, cluster] of SETUPS) {
          const denied = await listDenied(cluster, space)
          cleanups.push(denied.cleanup)
          store[setup] = denied.kubeconfig
        }
        const ops = await opsRepo()
        const plan = (setup: string): string => `${setup}/${space}/web.yaml`
        const plans = appPlan('timeout: 30s\nset: { configMaps: 2 }\n')
        const head = await ops.commit({
          ...APP_CHART,
          ...hooks.files,
          [plan(SETUP_A)]: plans,
          [plan(SETUP_B)]: plans
        })
        const run = await ops.push(head, {
          inputs: {
            'kubeconfig-store-url': writeStore(await tempDir('gitops-health-store-'), store),
            'kubeconfig-store-ca': ''
          }
        })
        for (const [setup, cluster] of SETUPS) {
          const result = expectFailed(
            run,
            plan(setup),
            new RegExp(
              `^\\S+: health check: the release's objects could not be read \\(the Kubernetes API answered 403 to GET /api/v1/namespaces/${space}/configmaps: .*forbidden.*\\); post-install hooks were not run; the release stays as helm left it`
            ),
            { operation: 'install' }
          )
          expect(result.health).toBe('unhealthy')
          expect(result.notes).toContainEqual(expect.stringMatching(/^health: could not read: /))
          expect(await history(cluster, space, 'web')).toEqual(['1:deployed'])
        }
        expect(hooks.ran()).toEqual([])
      } finally {
        for (const cleanup of cleanups) await cleanup()
      }
    },
    180_000
  )
})

/** A CRD of `kind` in `group`, with a status subresource (its status is set apart from its spec). */
function crd(group: string, kind: string): string {
  const plural = `${kind.toLowerCase()}s`
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: { plural: ${plural}, singular: ${kind.toLowerCase()}, kind: ${kind} }
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`
}

/** Reads a custom object, and merge-patches its status through the status subresource. */
function customObjects(cluster: Cluster, group: string, namespace: string) {
  const api = cluster.config.makeApiClient(k8s.CustomObjectsApi)
  const at = (plural: string, name: string) => ({ group, version: 'v1', namespace, plural, name })
  return {
    get: async (plural: string, name: string): Promise<unknown> => {
      try {
        return await api.getNamespacedCustomObject(at(plural, name))
      } catch {
        return undefined
      }
    },
    status: (plural: string, name: string, status: Record<string, unknown>) =>
      api.patchNamespacedCustomObjectStatus(
        { ...at(plural, name), body: { status } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)
      )
  }
}

/**
 * A kubeconfig of a ServiceAccount that may deploy the app chart into the namespace
 * (helm's release Secrets, the Deployment, the ConfigMaps, the namespace itself) but
 * not LIST ConfigMaps, as a workflow's narrow RBAC might; and how to remove the
 * cluster-wide part of it.
 */
async function listDenied(
  cluster: Cluster,
  namespace: string
): Promise<{ kubeconfig: string; cleanup: () => Promise<unknown> }> {
  await cluster.createNamespace(namespace)
  const rbac = cluster.config.makeApiClient(k8s.RbacAuthorizationV1Api)
  const name = 'deployer'
  const subject = { kind: 'ServiceAccount', name, namespace }
  const every = ['get', 'create', 'update', 'patch', 'delete']
  await cluster.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } })
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name },
      rules: [
        { apiGroups: [''], resources: ['secrets'], verbs: [...every, 'list', 'watch'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: every },
        { apiGroups: ['apps'], resources: ['deployments'], verbs: every }
      ]
    }
  })
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [subject]
    }
  })
  // helm install --create-namespace applies the namespace, which already exists.
  const clusterWide = `gitops-health-${namespace}`
  await rbac.createClusterRole({
    body: {
      metadata: { name: clusterWide },
      rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'create', 'patch'] }]
    }
  })
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: clusterWide },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterWide },
      subjects: [subject]
    }
  })
  const token = await cluster.core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } }
  })
  const doc = load(
    readFileSync(bed.kubeconfigs[cluster === clusterA ? 0 : 1] as string, 'utf8')
  ) as { users: Array<{ name: string; user: Record<string, unknown> }> }
  for (const user of doc.users) user.user = { token: secret(token.status?.token ?? '') }
  return {
    kubeconfig: dump(doc),
    cleanup: async () => {
      await rbac.deleteClusterRoleBinding({ name: clusterWide })
      await rbac.deleteClusterRole({ name: clusterWide })
    }
  }
}
