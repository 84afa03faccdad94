import type { ChartResolver } from '../apply/charts.ts'
import type { ApplyArgsInput, HelmMajor } from '../apply/helm-args.ts'
import type { HookRun } from '../apply/hooks.ts'
import type { KubeClient } from '../cluster/client.ts'
import type { HookName, PlanTarget } from '../types/plan.ts'

// What the engine asks of helm and of hook scripts: typed operations, no argument
// lists. The real adapters build helm's arguments (apply/helm-args.ts) and run the
// binary; tests hand the engine fakes that record the calls and answer as scripted.

/** Where one helm call runs: its environment (kubeconfig, repository config) and its log. */
export interface HelmCall {
  readonly env: NodeJS.ProcessEnv
  readonly signal?: AbortSignal
  /** helm's output lines as they come. */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void
  /** Told the command line before it runs (logged by a deploy's and a preview's operations). */
  readonly announce?: (command: string) => void
}

/**
 * What `helm template` renders: the chart and values of an apply, without its release
 * flags; with `includeCrds`, the CRDs of the charts' `crds/` folders too (`--include-crds`).
 */
export type TemplateInput = { readonly includeCrds?: boolean } & Omit<
  ApplyArgsInput,
  'operation' | 'description' | 'labels' | 'optionArgs' | 'output'
>

export interface HelmPort {
  /** The binary's path, handed to hooks as HELM. */
  readonly path: string
  readonly major: HelmMajor
  /** `helm install|upgrade --output json|table`: its stdout (engine/helm-output.ts reads it). */
  apply(input: ApplyArgsInput, call: HelmCall): Promise<string>
  uninstall(target: PlanTarget, call: HelmCall): Promise<void>
  rollback(target: PlanTarget, revision: number, call: HelmCall): Promise<void>
  /** `helm template`: the rendered manifest. */
  template(input: TemplateInput, call: HelmCall): Promise<string>
  /** `helm history --output json`; undefined when the release has no history at all. */
  history(target: PlanTarget, call: HelmCall): Promise<string | undefined>
  /** `helm get manifest` of the newest revision. */
  manifest(target: PlanTarget, call: HelmCall): Promise<string>
  /** `helm get hooks` of the newest revision. */
  hooks(target: PlanTarget, call: HelmCall): Promise<string>
  /** `helm get values --output json`: the values the release was given (may be decrypted). */
  values(target: PlanTarget, call: HelmCall): Promise<string>
  /** `helm status --output json`. */
  status(target: PlanTarget, call: HelmCall): Promise<string>
  /** `helm test --logs`; throws when a test fails. */
  test(target: PlanTarget, timeout: string | undefined, call: HelmCall): Promise<void>
  /** `helm repo add --force-update`: `url` without credentials; a login's password goes on stdin. */
  repoAdd(name: string, url: string, login: Login | undefined, call: HelmCall): Promise<void>
  /** `helm registry login` to an OCI registry; the password goes on stdin. */
  registryLogin(host: string, login: Login, call: HelmCall): Promise<void>
  /** `helm dependency build` of a local chart, in place, from repositories already added. */
  dependencyBuild(chartDir: string, call: HelmCall): Promise<void>
}

/** Credentials of a chart repository or registry, taken from its URL. */
export interface Login {
  readonly username: string
  readonly password: string
}

export interface HooksPort {
  /** Runs the scripts one after another; the first failure throws. */
  run(name: HookName, scripts: readonly string[], options: HookRun): Promise<void>
}

/** A setup's cluster: its kubeconfig on disk, and an API client from it (undefined if none can be built). */
export interface ClusterPort {
  connect(setup: string): Promise<{ kubeconfig: string; client: KubeClient | undefined }>
}

/** Every port the engine acts through. */
export interface EnginePorts {
  readonly helm: HelmPort
  readonly hooks: HooksPort
  /** Absent: the kubeconfig store and the setup's API server. */
  readonly cluster?: ClusterPort
  /** Where a commit's files are, written once a run when first asked. Absent: git writes them into the run's folder. */
  readonly commits?: (sha: string) => Promise<string>
}

/** What act() and a preview resolve charts with. */
export type Charts = Pick<ChartResolver, 'resolve'>
