// Sample charts (test/bed/charts/, versions in versions.json) packaged by the built helm
// into the classic chart repository and pushed to the OCI registry.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { readFileSync, rmSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { bedSrc } from './layout.mjs'
import { PartError } from './procs.mjs'

const run = promisify(execFile)
export const chartsSrc = join(bedSrc, 'charts')

/** { name: [versions...] } of the sample charts. */
export function sampleCharts() {
  return JSON.parse(readFileSync(join(chartsSrc, 'versions.json'), 'utf8'))
}

async function helm(part, helmBin, args, env = {}, input = undefined) {
  try {
    const child = run(helmBin, args, { env: { ...process.env, ...env }, timeout: 60_000 })
    child.child.stdin.end(input ?? '')
    return await child
  } catch (err) {
    throw new PartError(
      part,
      `helm ${args.join(' ')} failed: ${(err.stderr || err.message).trim()}`
    )
  }
}

/** Packages every version of every sample chart into `repoDir` and writes its index.yaml. */
export async function buildChartRepo(helmBin, repoDir) {
  rmSync(repoDir, { recursive: true, force: true })
  mkdirSync(repoDir, { recursive: true })
  const charts = sampleCharts()
  for (const [name, versions] of Object.entries(charts)) {
    for (const version of versions) {
      await helm('chart repo', helmBin, [
        'package',
        join(chartsSrc, name),
        '--version',
        version,
        '--destination',
        repoDir
      ])
    }
  }
  // relative URLs: the index stays valid whatever port nginx gets
  await helm('chart repo', helmBin, ['repo', 'index', repoDir])
  return Object.keys(charts)
}

/** Logs in, then pushes every packaged version to oci://<registry>/charts; returns the repository paths. */
export async function pushCharts(helmBin, repoDir, registry, caFile, creds) {
  const charts = sampleCharts()
  const env = { HELM_REGISTRY_CONFIG: join(repoDir, '..', 'registry-config.json') }
  await helm(
    'oci login',
    helmBin,
    [
      'registry',
      'login',
      registry,
      '--username',
      creds.user,
      '--password-stdin',
      '--ca-file',
      caFile
    ],
    env,
    creds.password
  )
  for (const [name, versions] of Object.entries(charts)) {
    for (const version of versions) {
      await helm(
        'oci push',
        helmBin,
        [
          'push',
          join(repoDir, `${name}-${version}.tgz`),
          `oci://${registry}/charts`,
          '--ca-file',
          caFile
        ],
        env
      )
    }
  }
  return Object.keys(charts).map((name) => `charts/${name}`)
}
