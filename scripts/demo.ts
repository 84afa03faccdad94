// Deploys examples/ops-repo to the test bed through dist/ the way the runner
// runs it, and prints what a user would see: the job summary and the objects
// read back from the clusters.
import { cp } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { runAction, type ActionRun } from '../__tests__/support/action-runner.ts'
import { pushPayload, runnerEnv, ZERO } from '../__tests__/support/events.ts'
import { GitRepo } from '../__tests__/support/git-repo.ts'
import { clusters, mirrorUrl, testbed } from '../__tests__/support/testbed.ts'

const example = resolve(import.meta.dirname, '..', 'examples', 'ops-repo')
const bed = testbed()

const repo = await GitRepo.create()
await cp(example, repo.dir, { recursive: true })
// The example names the bed's own clusters; external ones (kind) are named otherwise.
const [setupA = 'local/a', setupB = setupA] = bed.setups
const moves: [string, string][] = [
  ['local/a/team-a', `${setupA}/team-a`],
  ['local/b/team-b', `${setupB}/team-b`]
]
for (const [from, to] of moves) {
  if (from !== to) await repo.move(from, to)
}
const first = await repo.commit('ops: first deployment')
await deploy('First push: a new branch, so every plan is installed', ZERO, first)

await repo.write({ [join('values', 'team-a.yaml')]: 'audience: team a, upgraded\n' })
const second = await repo.commit('ops: change the values of team a')
await deploy(
  'Second push: values/team-a.yaml changed, so the plans using it are upgraded',
  first,
  second
)

console.log('\n## What the clusters hold (read back from the API servers)\n')
for (const cluster of clusters(bed)) {
  for (const namespace of ['team-a', 'team-b']) {
    for (const name of ['greeting', 'farewell']) {
      const configMap = await cluster.configMap(namespace, name)
      if (configMap)
        console.log(`${cluster.setup} ${namespace}/${name}: ${JSON.stringify(configMap.data)}`)
    }
  }
}
console.log(`\nThe demo ops repository is at ${repo.dir}`)

async function deploy(title: string, before: string, after: string): Promise<void> {
  const payload = pushPayload({ before, after })
  const run: ActionRun = await runAction({
    workspace: repo.dir,
    eventName: 'push',
    event: payload,
    inputs: {
      'kubeconfig-store-url': bed.storeUrl,
      'kubeconfig-store-ca': bed.ca,
      'helm-version': bed.helm4Version,
      'helm-download-url': mirrorUrl(bed.helmMirror)
    },
    env: {
      ...(await runnerEnv({ name: 'push', payload, sha: after })),
      NODE_EXTRA_CA_CERTS: bed.ca
    }
  })
  console.log(`\n# ${title}\n`)
  console.log(run.summary.trim())
  if (run.code !== 0) {
    console.error(run.log)
    throw new Error(`the action failed (exit ${run.code}); its log is above`)
  }
}
