import { posix } from 'node:path'
import { HOOK_NAMES } from '../types/plan.ts'
import type { ChartSource, FileProblem, HookName, PlanSpec, ReleaseOptions } from '../types/plan.ts'
import { chartFolders } from './chart-folders.ts'
import type { Checkout } from './checkout.ts'
import type { Located, RawPlan } from './plan-file.ts'

// A parsed plan file → a PlanSpec: the chart form decided, every path checked to
// exist inside the repository (symlinks followed), aliases checked.

export interface PlanReferences {
  /** Values files: written and real paths. A change to any of them affects the plan. */
  readonly values: readonly string[]
  /** Every folder helm reads for a local chart (real paths): a change inside one affects the plan. */
  readonly chartDirs: readonly string[]
  /** Hook scripts: never plans, but a change to them affects nothing. */
  readonly hooks: readonly string[]
  /** `namespace/release` of the plans it needs, with their lines. */
  readonly needs: readonly Located[]
}

export type ResolvedPlan =
  | { readonly ok: true; readonly spec: PlanSpec; readonly references: PlanReferences }
  | {
      readonly ok: false
      readonly problems: readonly FileProblem[]
      readonly references: PlanReferences
    }

const ALIAS_CHART = /^([A-Za-z0-9][A-Za-z0-9._-]*)\/([A-Za-z0-9][A-Za-z0-9._-]*)$/
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/
const CHART_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
/** helm holds every values file whole in memory, once a plan: larger ones are a mistake. */
const MAX_VALUES_BYTES = 8 * 1024 * 1024

/** A repository-relative path as written → normalized, or undefined if it leaves the repository by its text. */
export function normalizeRepoPath(written: string): string | undefined {
  if (written.startsWith('/')) return undefined
  const normal = posix.normalize(written)
  if (normal === '..' || normal.startsWith('../') || normal === '.') return undefined
  return normal.replace(/\/$/, '')
}

const UNRESOLVED: Readonly<Record<'missing' | 'outside' | 'untracked', string>> = {
  outside: 'resolves (through a symlink) outside the repository',
  missing: 'does not exist in the repository (paths are relative to the repository root)',
  untracked:
    'is not part of the deployed commit (an untracked file, or one an earlier step wrote): commit it'
}

export function resolvePlan(
  file: string,
  raw: RawPlan,
  checkout: Checkout,
  aliases: ReadonlySet<string>,
  /** The plan's own options over the defaults that cover it. */
  options: ReleaseOptions
): ResolvedPlan {
  const problems: FileProblem[] = []
  const problem = (at: Located, message: string, leakedUrl?: string): void => {
    problems.push({ file, line: at.line, message, ...(leakedUrl && { leakedUrls: [leakedUrl] }) })
  }

  function path(
    at: Located,
    what: string,
    kind: 'file' | 'directory'
  ): { written: string; real: string } | undefined {
    const written = normalizeRepoPath(at.text)
    if (written === undefined) {
      problem(
        at,
        `${what} '${at.text}' leaves the repository; paths are relative to the repository root`
      )
      return undefined
    }
    const resolved = checkout.resolve(written)
    if (!resolved.ok) {
      problem(at, `${what} '${at.text}' ${UNRESOLVED[resolved.reason]}`)
      return undefined
    }
    if (resolved.kind !== kind) {
      problem(at, `${what} '${at.text}' is a ${resolved.kind}, not a ${kind}`)
      return undefined
    }
    return { written, real: resolved.path }
  }

  const values: string[] = []
  const valueRefs = new Set<string>()
  for (const at of raw.values) {
    const found = path(at, 'values file', 'file')
    // A missing values file still affects the plan: its removal must show up as an error.
    const written = normalizeRepoPath(at.text)
    if (written) valueRefs.add(written)
    // helm parses each values path as a URL first: it refuses control characters and reads '%' as an escape.
    if (found && CONTROL_CHARACTER.test(found.real)) {
      problem(
        at,
        `values file '${at.text}' has a control character (such as a line break) in its path, which helm cannot read; rename the file`
      )
    } else if (found?.real.includes('%')) {
      problem(
        at,
        `values file '${at.text}' has a '%' in its path, which helm reads as a URL escape and cannot open; rename the file`
      )
    } else if (found && (checkout.sizeOf(found.real) ?? 0) > MAX_VALUES_BYTES) {
      problem(
        at,
        `values file '${at.text}' is ${checkout.sizeOf(found.real)} bytes; a values file may be at most ${MAX_VALUES_BYTES} bytes`
      )
    } else if (found) {
      values.push(found.real)
      valueRefs.add(found.real)
    }
  }
  const hooks = Object.fromEntries(HOOK_NAMES.map((h) => [h, [] as string[]])) as Record<
    HookName,
    string[]
  >
  const hookRefs: string[] = []
  for (const name of HOOK_NAMES) {
    for (const at of raw.hooks[name]) {
      const written = normalizeRepoPath(at.text)
      if (written) hookRefs.push(written)
      const found = path(at, `${name} hook`, 'file')
      if (found) {
        hooks[name].push(found.real)
        hookRefs.push(found.real)
      }
    }
  }

  const hasChartYaml = (dir: string): boolean => {
    const found = checkout.resolve(`${dir}/Chart.yaml`)
    return found.ok && found.kind === 'file'
  }
  // helm follows symlinks and file:// dependencies: one leading out could render any runner file.
  let folders: readonly string[] = []
  const unreadable = (dir: string): string | undefined => {
    const found = chartFolders(checkout, dir)
    if (!found.ok) return found.problem
    folders = found.folders
    return undefined
  }
  const chart = chartSource(raw, aliases, problem, path, hasChartYaml, unreadable)
  const references: PlanReferences = {
    values: [...valueRefs],
    chartDirs: folders,
    hooks: hookRefs,
    needs: raw.needs
  }
  if (problems.length > 0 || !chart) {
    return {
      ok: false,
      problems: problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
      references
    }
  }
  const spec: PlanSpec = {
    chart,
    chartText: raw.chart.text,
    chartLine: raw.chart.line,
    ...(raw.version ? { version: raw.version.text } : {}),
    values,
    hooks,
    needs: raw.needs.map((need) => need.text),
    driftIgnore: raw.driftIgnore,
    options
  }
  return { ok: true, spec, references }
}

function hasUserInfo(url: string): boolean {
  try {
    const parsed = new URL(url)
    return parsed.username !== '' || parsed.password !== ''
  } catch {
    return false
  }
}

function chartSource(
  raw: RawPlan,
  aliases: ReadonlySet<string>,
  problem: (at: Located, message: string, leakedUrl?: string) => void,
  path: (
    at: Located,
    what: string,
    kind: 'file' | 'directory'
  ) => { written: string; real: string } | undefined,
  hasChartYaml: (dir: string) => boolean,
  /** Why helm may not read the chart's folders, if it may not. */
  unreadable: (dir: string) => string | undefined
): ChartSource | undefined {
  const { chart, version, repository } = raw
  const text = chart.text
  const noVersion = (form: string): void => {
    if (version) problem(version, `'version' has no effect on ${form}; remove it`)
  }
  if (repository) {
    let url: URL | undefined
    try {
      url = new URL(repository.text)
    } catch {
      problem(repository, `'repository' must be an http(s) chart repository URL`)
    }
    if (url && url.protocol !== 'https:' && url.protocol !== 'http:') {
      problem(
        repository,
        `'repository' must be an http(s) chart repository URL; write an oci:// chart as \`chart: oci://...\``
      )
    } else if (url && (url.username || url.password)) {
      problem(
        repository,
        `'repository' holds credentials, which must not be committed: define an alias in the helm-repositories input from a secret`,
        repository.text
      )
    }
    if (!CHART_NAME.test(text)) {
      problem(chart, `with 'repository', 'chart' must be a bare chart name (got '${text}')`)
      return undefined
    }
    return url ? { kind: 'repository', url: repository.text, name: text } : undefined
  }
  if (text.startsWith('oci://') || /^https?:\/\//.test(text)) {
    if (hasUserInfo(text)) {
      problem(
        chart,
        `'chart' holds credentials, which must not be committed: define an alias with them in the helm-repositories input from a secret, and write alias/name`,
        text
      )
      return undefined
    }
  }
  if (text.startsWith('oci://')) {
    if (!/^oci:\/\/[^/\s]+\/\S+$/.test(text))
      problem(chart, `'chart' '${text}' must be oci://host/path/name`)
    return { kind: 'oci', ref: text }
  }
  if (/^https?:\/\//.test(text)) {
    noVersion('a chart URL (the archive has one version)')
    return { kind: 'url', url: text }
  }
  if (text.startsWith('./') || text.startsWith('../') || text.startsWith('/')) {
    noVersion('a local chart (its Chart.yaml sets it)')
    const dir = path(chart, 'local chart', 'directory')
    if (!dir) return undefined
    if (!hasChartYaml(dir.real)) {
      problem(chart, `local chart '${text}' has no Chart.yaml`)
      return undefined
    }
    const refused = unreadable(dir.real)
    if (refused) {
      problem(chart, `local chart '${text}' ${refused}`)
      return undefined
    }
    return { kind: 'local', path: dir.real }
  }
  const alias = ALIAS_CHART.exec(text)
  if (alias) {
    const [, name, chartName] = alias as unknown as [string, string, string]
    if (!aliases.has(name)) {
      const known =
        aliases.size > 0
          ? `known aliases: ${[...aliases].sort().join(', ')}`
          : 'no aliases are defined'
      problem(
        chart,
        `unknown repository alias '${name}' in chart '${text}' (${known}); define it in the helm-repositories input or .gitops/repositories.yaml, or write ./${text} for a chart in this repository`
      )
      return undefined
    }
    return { kind: 'alias', alias: name, name: chartName }
  }
  problem(
    chart,
    `'chart' '${text}' is not a chart reference: write alias/name, oci://..., https://.../name.tgz, ./path in this repository, or a bare name with 'repository:'`
  )
  return undefined
}
