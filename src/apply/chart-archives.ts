import { readdir, readFile, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { basename, join } from 'node:path'
import { gunzip } from 'node:zlib'
import { promisify } from 'node:util'
import { load } from 'js-yaml'
import type { ChartSource } from '../types/plan.ts'
import { tarFiles } from './tar.ts'

// Whether a chart has CRDs in a `crds/` folder (its own or a subchart's), told
// without a helm process where that is cheap: a local chart's folders, and the
// archive helm pulled for a remote chart into its caches during this run. Only
// such a chart is rendered again to read its CRDs.

/** `some` and `unknown` both mean: ask helm which CRDs an install would create. */
export type CrdPresence = 'none' | 'some' | 'unknown'

const unzip = promisify(gunzip)

/** A file helm takes from a chart's (or a subchart's) `crds/` folder. */
const CRD_FILE = /^[^/]+(?:\/charts\/[^/]+)*\/crds\/.+\.(?:ya?ml|json)$/i
/** A subchart kept packed in its parent's `charts/`. */
const PACKED_SUBCHART = /^[^/]+(?:\/charts\/[^/]+)*\/charts\/[^/]+\.tgz$/i
const CHART_YAML = /^[^/]+\/Chart\.yaml$/
const MANIFEST = /\.(?:ya?ml|json)$/i

interface ArchiveFacts {
  readonly name: string | undefined
  readonly version: string | undefined
  readonly crds: boolean
}

/** A gzipped chart archive: its Chart.yaml's name and version, and whether it has CRDs. */
export async function archiveFacts(gz: Buffer): Promise<ArchiveFacts> {
  let name: string | undefined
  let version: string | undefined
  let crds = false
  for (const file of tarFiles(await unzip(gz))) {
    if (name === undefined && CHART_YAML.test(file.path)) {
      const meta = chartMeta(file.data.toString('utf8'))
      name = meta.name
      version = meta.version
    } else if (!crds && CRD_FILE.test(file.path)) crds = true
    else if (!crds && PACKED_SUBCHART.test(file.path)) crds = (await archiveFacts(file.data)).crds
  }
  return { name, version, crds }
}

function chartMeta(text: string): { name?: string; version?: string } {
  try {
    const parsed = load(text) as { name?: unknown; version?: unknown } | null
    return {
      ...(typeof parsed?.name === 'string' ? { name: parsed.name } : {}),
      ...(parsed?.version !== undefined && parsed.version !== null
        ? { version: String(parsed.version) }
        : {})
    }
  } catch {
    return {}
  }
}

/** A local chart folder (dependencies built): its `crds/`, its subcharts' folders and archives. */
export async function folderHasCrds(dir: string): Promise<boolean> {
  if (await holdsManifest(join(dir, 'crds'))) return true
  const subcharts = await entries(join(dir, 'charts'))
  for (const entry of subcharts) {
    const path = join(dir, 'charts', entry.name)
    if (entry.isDirectory() && (await folderHasCrds(path))) return true
    if (entry.isFile() && entry.name.toLowerCase().endsWith('.tgz'))
      if ((await archiveFacts(await readFile(path))).crds) return true
  }
  return false
}

async function holdsManifest(dir: string): Promise<boolean> {
  for (const entry of await entries(dir)) {
    if (entry.isFile() && MANIFEST.test(entry.name)) return true
    if (entry.isDirectory() && (await holdsManifest(join(dir, entry.name)))) return true
  }
  return false
}

async function entries(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true })
  } catch {
    return []
  }
}

/** The name and version helm gives a remote chart's archive; undefined when it cannot be told. */
export function chartIdentity(
  source: ChartSource,
  version: string | undefined
): { readonly name: string; readonly version: string } | undefined {
  if (!version) return undefined
  switch (source.kind) {
    case 'alias':
    case 'repository':
      return { name: source.name, version }
    case 'oci': {
      const last = source.ref.replace(/\/+$/, '').split('/').pop() ?? ''
      const name = last.replace(/@.*$/, '').replace(/:.*$/, '')
      return name ? { name, version } : undefined
    }
    case 'url': {
      const file = basename(new URL(source.url).pathname)
      const suffix = `-${version}.tgz`
      return file.endsWith(suffix) ? { name: file.slice(0, -suffix.length), version } : undefined
    }
    case 'local':
      return undefined
  }
}

/**
 * Where helm keeps the archives it pulls: Helm 3 in its repository cache (the run's
 * own folder), Helm 4 in its content cache, by digest (the user's, as helm finds it).
 */
export function pullFolders(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform
): string[] {
  const cacheHome =
    env.HELM_CACHE_HOME ||
    (env.XDG_CACHE_HOME
      ? join(env.XDG_CACHE_HOME, 'helm')
      : join(platformCache(env, platform), 'helm'))
  return [
    ...(env.HELM_REPOSITORY_CACHE ? [env.HELM_REPOSITORY_CACHE] : []),
    env.HELM_CONTENT_CACHE || join(cacheHome, 'content')
  ]
}

/** helm's default cache home before `/helm`, by platform. */
function platformCache(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string {
  const home = env.HOME || homedir()
  if (platform === 'darwin') return join(home, 'Library', 'Caches')
  if (platform === 'win32') return env.TEMP || join(home, 'AppData', 'Local', 'Temp')
  return join(home, '.cache')
}

/** Read once a process: one process is one run, and an archive is read again only when it changed. */
const facts = new Map<string, Promise<ArchiveFacts | undefined>>()

function factsOf(path: string, size: number, mtimeMs: number): Promise<ArchiveFacts | undefined> {
  const key = `${path}\0${size}\0${mtimeMs}`
  let known = facts.get(key)
  if (!known) {
    known = readFile(path).then(archiveFacts, () => undefined)
    facts.set(key, known)
  }
  return known
}

/** A folder's archives (two levels: Helm 4's content cache shards by the digest's first bytes). */
async function archivesIn(dir: string, depth = 2): Promise<string[]> {
  const found: string[] = []
  for (const entry of await entries(dir)) {
    const path = join(dir, entry.name)
    if (entry.isFile() && /\.(?:tgz|chart)$/i.test(entry.name)) found.push(path)
    else if (entry.isDirectory() && depth > 1) found.push(...(await archivesIn(path, depth - 1)))
  }
  return found
}

/**
 * Whether the archive of `name` `version` that helm pulled during this run (written
 * after `since`) has CRDs: `unknown` when no such archive is there (a chart in a cache
 * from before the run, or one kept elsewhere), so the caller asks helm instead.
 */
export async function pulledChartCrds(
  env: NodeJS.ProcessEnv,
  chart: { readonly name: string; readonly version: string },
  since: number
): Promise<CrdPresence> {
  let matched = false
  for (const dir of pullFolders(env)) {
    for (const path of await archivesIn(dir)) {
      const info = await stat(path).catch(() => undefined)
      if (!info || info.mtimeMs < since) continue
      const archive = await factsOf(path, info.size, info.mtimeMs)
      if (archive?.name !== chart.name || archive.version !== chart.version) continue
      if (archive.crds) return 'some'
      matched = true
    }
  }
  return matched ? 'none' : 'unknown'
}
