import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { addUrlSecrets } from '../secrets/masking.ts'
import type { ChartSource, RepositoryAlias } from '../types/plan.ts'
import {
  chartDependencies,
  chartYamlOf,
  DependencyError,
  dependencyRepositories,
  missingDependencies,
  vendoredEntries,
  type DependencyRepository
} from './dependencies.ts'
import type { HelmCall, HelmPort, Login } from '../engine/ports.ts'
import { errorMessage } from '../error-message.ts'

// A plan's chart → the reference helm takes, and the repository set-up it needs
// first (`helm repo add` into the run's private config, or an OCI login).

export type ChartSetup =
  | { readonly kind: 'repo'; readonly name: string; readonly url: string }
  | { readonly kind: 'oci-login'; readonly url: string; readonly login: Login }

export interface ChartReference {
  readonly ref: string
  readonly setup?: ChartSetup
}

export class ChartError extends Error {}

/** Pure: where helm finds the chart. */
export function chartReference(
  source: ChartSource,
  aliases: readonly RepositoryAlias[],
  workspace: string
): ChartReference {
  switch (source.kind) {
    case 'local':
      return { ref: join(workspace, source.path) }
    case 'url':
      return { ref: source.url }
    case 'oci':
      return ociReference(source.ref, aliases)
    case 'repository': {
      // Plan files hold no credentials: a URL that an alias also names uses the alias (and its credentials).
      const alias = aliases.find((a) => sameUrl(a.url, source.url))
      return alias
        ? repositoryReference(alias.url, source.name, alias.name, aliases)
        : repositoryReference(source.url, source.name, generatedAlias(source.url), aliases)
    }
    case 'alias': {
      const alias = aliases.find((a) => a.name === source.alias)
      if (!alias) {
        throw new ChartError(
          `unknown chart repository alias "${source.alias}": add it to the helm-repositories input or .gitops/repositories.yaml`
        )
      }
      return repositoryReference(alias.url, source.name, alias.name, aliases)
    }
  }
}

function repositoryReference(
  url: string,
  name: string,
  alias: string,
  aliases: readonly RepositoryAlias[]
): ChartReference {
  if (url.startsWith('oci://')) return ociReference(`${url.replace(/\/+$/, '')}/${name}`, aliases)
  return { ref: `${alias}/${name}`, setup: { kind: 'repo', name: alias, url } }
}

/**
 * An OCI chart logs in to its registry with the credentials of the reference, else
 * with those of an alias on the same registry (as `helm registry login` in a workflow
 * would): `chart: oci://host/x` in a plan then needs no credentials of its own.
 */
function ociReference(ref: string, aliases: readonly RepositoryAlias[]): ChartReference {
  const own = credentials(ref)
  if (own) return { ref: withoutUserInfo(ref), setup: { kind: 'oci-login', url: ref, login: own } }
  const host = new URL(ref).host
  for (const alias of aliases) {
    if (!alias.url.startsWith('oci://') || new URL(alias.url).host !== host) continue
    const login = credentials(alias.url)
    if (login) return { ref, setup: { kind: 'oci-login', url: alias.url, login } }
  }
  return { ref }
}

/** A stable alias for a `repository:` URL, so each URL is added once per run. */
function generatedAlias(url: string): string {
  return `gitops-${createHash('sha256').update(url).digest('hex').slice(0, 12)}`
}

function sameUrl(a: string, b: string): boolean {
  const normal = (url: string): string => withoutUserInfo(url).replace(/\/+$/, '')
  try {
    return normal(a) === normal(b)
  } catch {
    return false
  }
}

function withoutUserInfo(url: string): string {
  const parsed = new URL(url)
  parsed.username = ''
  parsed.password = ''
  return parsed.toString()
}

function credentials(url: string): Login | undefined {
  const parsed = new URL(url)
  if (!parsed.username && !parsed.password) return undefined
  return {
    username: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password)
  }
}

/**
 * Runs each repository set-up once per run, however many plans need it; builds a
 * local chart's dependencies once per run.
 */
export class ChartResolver {
  readonly #helm: HelmPort
  readonly #aliases: readonly RepositoryAlias[]
  readonly #workspace: string
  readonly #context: HelmCall
  readonly #done = new Map<string, Promise<void>>()
  readonly #built = new Map<string, Promise<string>>()
  readonly #committed: (() => Promise<string>) | undefined

  /**
   * `committed`, when given, writes the deployed commit's files into a private folder
   * and tells where: local charts are read from there, not from `workspace`, so that
   * helm deploys what the commit holds and nothing else the checkout may have (a
   * dependency a chart's own .gitignore leaves out, a file an earlier step wrote).
   */
  constructor(
    helm: HelmPort,
    aliases: readonly RepositoryAlias[],
    workspace: string,
    context: HelmCall,
    committed?: () => Promise<string>
  ) {
    this.#helm = helm
    this.#aliases = aliases
    this.#workspace = workspace
    this.#context = context
    this.#committed = committed
    for (const alias of aliases) addUrlSecrets(alias.url)
  }

  /**
   * Starts setting up the repositories and registries these charts come from, without
   * waiting: helm's `repo add` then overlaps the run's store and cluster reads instead
   * of holding the first plan. A failure is left to the plan that resolves the chart,
   * which tries once more and reports it.
   */
  warm(sources: readonly ChartSource[]): void {
    for (const source of sources) {
      if (source.kind === 'local') continue
      let setup: ChartSetup | undefined
      try {
        setup = chartReference(source, this.#aliases, this.#workspace).setup
      } catch {
        continue
      }
      if (setup) this.#prepare(setup).catch(() => undefined)
    }
  }

  async resolve(source: ChartSource, context?: Partial<HelmCall>): Promise<string> {
    const root = source.kind === 'local' ? await this.#localRoot() : this.#workspace
    const reference = chartReference(source, this.#aliases, root)
    if (reference.setup) await this.#prepare(reference.setup, context)
    if (source.kind !== 'local') return reference.ref
    let built = this.#built.get(reference.ref)
    if (!built) {
      built = this.#withDependencies(root, reference.ref, { ...this.#context, ...context })
      this.#built.set(reference.ref, built)
    }
    return built
  }

  async #localRoot(): Promise<string> {
    if (!this.#committed) return this.#workspace
    try {
      return await this.#committed()
    } catch (error) {
      throw new ChartError(
        `the commit's files, where local charts are read from, could not be written: ${errorMessage(error)}`
      )
    }
  }

  /**
   * A chart that declares dependencies its `charts/` lacks gets them built in place
   * (in its folder of the commit's files, as a workflow step running `helm dependency
   * build` would in a checkout): `file://` dependencies are relative to the chart's
   * folder and Chart.lock must stay beside its Chart.yaml. One whose dependencies are
   * all vendored is used as it is, with no network, as bare helm does; `helm
   * dependency build` has no mode for some of them, so a build sets up every repository.
   */
  async #withDependencies(root: string, dir: string, context: HelmCall): Promise<string> {
    const chartYaml = chartYamlOf(dir)
    const dependencies = chartYaml === undefined ? undefined : chartDependencies(chartYaml)
    if (dependencies === undefined) return dir
    const missing = missingDependencies(dependencies, vendoredEntries(dir))
    if (missing.length === 0) return dir
    const setups = dependencyRepositories(dependencies).map((r) => this.#dependencySetup(r))
    try {
      await Promise.all(
        setups.map((setup) => (setup ? this.#prepare(setup, context) : Promise.resolve()))
      )
      await this.#helm.dependencyBuild(dir, context)
    } catch (error) {
      const names = missing.map((d) => `${d.name} ${d.version}`.trim()).join(', ')
      throw new DependencyError(
        `the dependencies of local chart ${dir.slice(root.length + 1)} could not be built: ${names} ${missing.length === 1 ? 'is' : 'are'} not in its charts/ folder; helm dependency build: ${errorMessage(error)}`
      )
    }
    return dir
  }

  /** The repository set-up a dependency needs: an alias by name, a URL (with an alias's credentials if one names it), a registry login. */
  #dependencySetup(repository: DependencyRepository): ChartSetup | undefined {
    switch (repository.kind) {
      case 'alias': {
        const alias = this.#aliases.find((a) => a.name === repository.name)
        if (!alias)
          throw new DependencyError(
            `a dependency of the local chart comes from repository '@${repository.name}', which is no alias the action knows; define it in the helm-repositories input or .gitops/repositories.yaml`
          )
        return repositoryReference(alias.url, 'x', alias.name, this.#aliases).setup
      }
      case 'oci':
        return ociReference(repository.url, this.#aliases).setup
      case 'url': {
        const alias = this.#aliases.find((a) => sameUrl(a.url, repository.url))
        return alias
          ? { kind: 'repo', name: alias.name, url: alias.url }
          : { kind: 'repo', name: generatedAlias(repository.url), url: repository.url }
      }
    }
  }

  #prepare(setup: ChartSetup, context?: Partial<HelmCall>): Promise<void> {
    const key = setup.kind === 'repo' ? `repo ${setup.name}` : `login ${new URL(setup.url).host}`
    let pending = this.#done.get(key)
    if (!pending) {
      pending = this.#run(setup, { ...this.#context, ...context })
      this.#done.set(key, pending)
      // A failure (network, credentials) is retried by the next plan that needs it.
      pending.catch(() => this.#done.delete(key))
    }
    return pending
  }

  async #run(setup: ChartSetup, context: HelmCall): Promise<void> {
    const safeUrl = addUrlSecrets(setup.url)
    try {
      await (setup.kind === 'repo'
        ? this.#helm.repoAdd(
            setup.name,
            withoutUserInfo(setup.url),
            credentials(setup.url),
            context
          )
        : this.#helm.registryLogin(new URL(setup.url).host, setup.login, context))
    } catch (error) {
      const what =
        setup.kind === 'repo'
          ? `chart repository ${setup.name} (${safeUrl})`
          : `OCI registry ${new URL(safeUrl).host}`
      throw new ChartError(`could not set up ${what}: ${errorMessage(error)}`)
    }
  }
}
