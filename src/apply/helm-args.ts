import type { PlanTarget, ReleaseOptions } from '../types/plan.ts'

// Pure: the argument arrays handed to helm. Nothing here runs a process, so
// every flag decision is table-tested.

export type HelmMajor = 3 | 4

/** Flags Helm 4 renamed; the old names still work there but are deprecated. */
const RENAMED_IN_HELM4: Readonly<Record<string, string>> = {
  '--atomic': '--rollback-on-failure',
  '--force': '--force-replace'
}
const RENAMED_BACK_FOR_HELM3: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(RENAMED_IN_HELM4).map(([old, renamed]) => [renamed, old])
)

/** Install/upgrade flags that `helm template` does not take (or that mean nothing offline). */
const NOT_FOR_TEMPLATE = new Set([
  '--force',
  '--force-replace',
  '--force-conflicts',
  '--reset-values',
  '--reuse-values',
  '--reset-then-reuse-values',
  '--cleanup-on-fail',
  '--install',
  '--history-max',
  '--server-side',
  '--take-ownership'
])

/** Dropped flags that may take their value as the next argument (`--history-max 5`). */
const FLAGS_WITH_VALUE = new Set(['--history-max', '--server-side'])

export interface TranslatedArgs {
  readonly args: readonly string[]
  /** Why a flag was changed or dropped, for the plan's notes. */
  readonly notes: readonly string[]
}

export interface ApplyMethod {
  /** Whether server-side apply is in effect for this release and operation (Helm 4 only). */
  readonly serverSide: boolean
}

function flagName(token: string): string {
  return token.startsWith('-') ? (token.split('=', 1)[0] ?? token) : token
}

function renameFlag(token: string, to: string): string {
  const eq = token.indexOf('=')
  return eq === -1 ? to : to + token.slice(eq)
}

/**
 * The user's `helm-args` for this helm major and release: renamed flags translated
 * in both directions, `--force-conflicts` kept only where server-side apply is in effect.
 */
export function translateUserArgs(
  userArgs: readonly string[],
  major: HelmMajor,
  method: ApplyMethod
): TranslatedArgs {
  const renames = major === 4 ? RENAMED_IN_HELM4 : RENAMED_BACK_FOR_HELM3
  const args: string[] = []
  const notes: string[] = []
  for (const token of userArgs) {
    const name = flagName(token)
    const renamed = renames[name]
    if (renamed) {
      args.push(renameFlag(token, renamed))
      continue
    }
    if (name === '--force-conflicts' && !(major === 4 && method.serverSide)) {
      notes.push(
        major === 4
          ? '--force-conflicts not passed: this release uses client-side apply'
          : '--force-conflicts not passed: Helm 3 has no server-side apply'
      )
      continue
    }
    args.push(token)
  }
  return { args, notes }
}

/** Whether `--server-side` in the user's args says something for this operation, else undefined. */
export function serverSideFlag(userArgs: readonly string[]): boolean | 'auto' | undefined {
  let value: boolean | 'auto' | undefined
  userArgs.forEach((token, i) => {
    if (flagName(token) !== '--server-side') return
    const next = userArgs[i + 1]
    const text = token.includes('=')
      ? token.slice(token.indexOf('=') + 1)
      : next !== undefined && !next.startsWith('-')
        ? next
        : 'true'
    value = text === 'false' ? false : text === 'auto' ? 'auto' : true
  })
  return value
}

/**
 * Whether server-side apply is in effect (Helm 4): install defaults to it; upgrade
 * follows the release's previous apply method unless the user said otherwise.
 */
export function serverSideInEffect(
  major: HelmMajor,
  operation: 'install' | 'upgrade',
  userArgs: readonly string[],
  previousApplyMethod: string | undefined
): boolean {
  if (major !== 4) return false
  const flag = serverSideFlag(userArgs)
  if (flag === true || flag === false) return flag
  if (operation === 'install') return true
  return previousApplyMethod === 'ssa'
}

export interface ApplyArgsInput {
  readonly operation: 'install' | 'upgrade'
  readonly target: PlanTarget
  /** The chart reference as helm takes it (alias/name, oci://..., URL or absolute path). */
  readonly chart: string
  readonly version?: string
  /** Absolute paths, in order. */
  readonly values: readonly string[]
  readonly description: string
  /** The action's marker, `key=value,...` (helm >= 3.13 stores them on the release). */
  readonly labels: string
  /** Already translated for this helm and release. */
  readonly userArgs: readonly string[]
  /** The plan's own flags (`releaseOptionArgs`), after the user's. */
  readonly optionArgs?: readonly string[]
  /**
   * How helm tells what it made: `json` prints the whole release (every manifest, value
   * and chart file: megabytes for a large chart), `table` a few lines and the chart's notes.
   */
  readonly output: 'json' | 'table'
}

function chartArgs(
  input: Omit<ApplyArgsInput, 'operation' | 'description' | 'labels' | 'userArgs' | 'output'>
): string[] {
  return [
    input.target.release,
    input.chart,
    '--namespace',
    input.target.namespace,
    ...(input.version ? ['--version', input.version] : []),
    ...input.values.flatMap((file) => ['--values', valuesFlagValue(file)])
  ]
}

/**
 * helm reads each `--values` as a CSV record (a pflag string slice): a path holding a
 * comma, a double quote or a line break would be split or refused, so it is CSV-quoted.
 */
export function valuesFlagValue(path: string): string {
  return /[",\r\n]/.test(path) ? `"${path.replaceAll('"', '""')}"` : path
}

/**
 * `helm install|upgrade`; our `--output` comes last so it wins over a user's `-o`.
 * `--disable-openapi-validation` drops no check: an API server that takes the
 * `fieldValidation` parameter (every Kubernetes helm 3.22 and 4 support) makes helm's
 * client-side validator a no-op that still fetches and parses the OpenAPI documents to
 * learn so, about two thirds of an upgrade's CPU. Helm 4 sends `Strict` with its
 * server-side apply, Helm 3 nothing, with or without it. A user's helm-args come after
 * and can turn it off.
 */
export function applyArgs(input: ApplyArgsInput): string[] {
  return [
    input.operation,
    ...chartArgs(input),
    ...(input.operation === 'install' ? ['--create-namespace'] : []),
    '--description',
    input.description,
    '--labels',
    input.labels,
    '--disable-openapi-validation',
    ...input.userArgs,
    ...(input.optionArgs ?? []),
    '--output',
    input.output
  ]
}

/** `helm template` for a preview: the same chart and values, the user's args that make sense offline. */
export function templateArgs(
  input: Omit<ApplyArgsInput, 'operation' | 'description' | 'labels' | 'optionArgs' | 'output'>
): string[] {
  return ['template', ...chartArgs(input), ...withoutFlags(input.userArgs, NOT_FOR_TEMPLATE)]
}

function withoutFlags(args: readonly string[], drop: ReadonlySet<string>): string[] {
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const token = args[i] as string
    const name = flagName(token)
    if (!drop.has(name)) {
      out.push(token)
      continue
    }
    const next = args[i + 1]
    if (
      !token.includes('=') &&
      FLAGS_WITH_VALUE.has(name) &&
      next !== undefined &&
      !next.startsWith('-')
    )
      i++
  }
  return out
}

export function uninstallArgs(target: PlanTarget): string[] {
  return ['uninstall', target.release, '--namespace', target.namespace]
}

export function statusArgs(target: PlanTarget): string[] {
  return ['status', target.release, '--namespace', target.namespace, '--output', 'json']
}

/** Every revision (or only the newest `max`), with status, chart and description, every status included. */
export function historyArgs(target: PlanTarget, max?: number): string[] {
  return [
    'history',
    target.release,
    '--namespace',
    target.namespace,
    ...(max ? ['--max', String(max)] : []),
    '--output',
    'json'
  ]
}

export function rollbackArgs(target: PlanTarget, revision: number): string[] {
  return ['rollback', target.release, String(revision), '--namespace', target.namespace]
}

/** The manifest of the deployed revision: every object helm applied, hooks excluded. */
export function manifestArgs(target: PlanTarget): string[] {
  return ['get', 'manifest', target.release, '--namespace', target.namespace]
}

/** The values the release was given (its values files and `set:`), as JSON. */
export function userValuesArgs(target: PlanTarget): string[] {
  return ['get', 'values', target.release, '--namespace', target.namespace, '--output', 'json']
}

/** The hooks of the deployed revision: what `helm uninstall` creates (pre/post-delete) besides deleting. */
export function hooksArgs(target: PlanTarget): string[] {
  return ['get', 'hooks', target.release, '--namespace', target.namespace]
}

/** Helm 4's `--wait` is a strategy; its boolean forms still work but are deprecated. */
function waitFlag(wait: boolean, major: HelmMajor): string {
  if (major === 3) return `--wait=${wait}`
  return `--wait=${wait ? 'watcher' : 'hookOnly'}`
}

/**
 * A plan's `wait`, `timeout` and `atomic` as flags; they follow the user's `helm-args`,
 * so the plan wins (helm takes the last of a repeated flag). A health-checked plan is
 * waited for, and rolled back, by the action's health gate: helm's own wait would
 * stop first with no reasons, and its rollback would leave the gate nothing to judge.
 * helm creates no CRD of `crds/` unless the policy is its own (`create`): under
 * `create-replace` the action applied them before.
 */
export function releaseOptionArgs(options: ReleaseOptions, major: HelmMajor): string[] {
  const byGate = options.health.enable
  return [
    ...(options.wait !== undefined ? [waitFlag(options.wait && !byGate, major)] : []),
    ...(options.timeout !== undefined ? ['--timeout', options.timeout] : []),
    ...(options.atomic !== undefined
      ? [`${major === 4 ? '--rollback-on-failure' : '--atomic'}=${options.atomic && !byGate}`]
      : []),
    ...(options.crds !== 'create' ? ['--skip-crds'] : [])
  ]
}

/** `helm test` with the test pods' logs; `--timeout` only when the plan sets one. */
export function testArgs(target: PlanTarget, timeout: string | undefined): string[] {
  return [
    'test',
    target.release,
    '--namespace',
    target.namespace,
    '--logs',
    ...(timeout !== undefined ? ['--timeout', timeout] : [])
  ]
}

/** `helm repo add` into the run's repository config; the password, if any, goes on stdin. */
export function repoAddArgs(name: string, url: string, username: string | undefined): string[] {
  return [
    'repo',
    'add',
    name,
    url,
    '--force-update',
    ...(username !== undefined ? ['--username', username, '--password-stdin'] : [])
  ]
}

/** `helm registry login`; the password goes on stdin. */
export function registryLoginArgs(host: string, username: string): string[] {
  return ['registry', 'login', host, '--username', username, '--password-stdin']
}

/** The repository indexes were fetched by `helm repo add` just before: no second refresh. */
export function dependencyBuildArgs(chartDir: string): string[] {
  return ['dependency', 'build', chartDir, '--skip-refresh']
}

/** `helm template` with the CRDs of the charts' `crds/` folders, which it leaves out otherwise. */
export function templateWithCrdsArgs(input: Parameters<typeof templateArgs>[0]): string[] {
  return [...templateArgs(input), '--include-crds']
}
