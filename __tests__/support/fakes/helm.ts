import type { HookRun } from '../../../src/apply/hooks.ts'
import type {
  HelmCall,
  HelmPort,
  HooksPort,
  Login,
  TemplateInput
} from '../../../src/engine/ports.ts'
import type { ApplyArgsInput } from '../../../src/apply/helm-args.ts'
import type { HookName, PlanTarget } from '../../../src/types/plan.ts'

// Typed fakes of the engine's helm and hooks ports: every call recorded in order as
// one word and the release (`upgrade ns/web`, `rollback ns/web 2`), answered as the
// test scripts it: text, a failure, or a function of the call (which may wait).

export type HelmOperation =
  | 'install'
  | 'upgrade'
  | 'uninstall'
  | 'rollback'
  | 'template'
  | 'history'
  | 'manifest'
  | 'hooks'
  | 'values'
  | 'status'
  | 'test'

export interface FakeCall {
  readonly operation: HelmOperation
  readonly target: PlanTarget
  /** What the engine handed the port beyond the target (apply and template inputs, a revision). */
  readonly input?: ApplyArgsInput | TemplateInput | number | string
  readonly env: NodeJS.ProcessEnv
  readonly signal: AbortSignal | undefined
}

/** A scripted answer: stdout, a failure, or either from the call. `undefined`: no history. */
export type Answer = string | undefined | Error | ((call: FakeCall) => Promise<string | undefined>)

/** The chart set-up operations: no release, a repository, registry or chart folder instead. */
export type ChartOperation = 'repo-add' | 'registry-login' | 'dependency-build'

export interface ChartCall {
  readonly operation: ChartOperation
  /** The repository's name, the registry's host or the chart's folder. */
  readonly subject: string
  /** A repository's URL as handed to helm. */
  readonly url?: string
  readonly login?: Login
  readonly env: NodeJS.ProcessEnv
}

/** A chart set-up succeeds unless scripted to fail, or to fail for some calls. */
export type ChartAnswer = Error | ((call: ChartCall) => Promise<void>)

export interface FakeHelm extends HelmPort {
  /** Every release call, in the order the engine made them. */
  readonly calls: FakeCall[]
  /** Every chart set-up call, in order. */
  readonly chartCalls: ChartCall[]
  /** The calls in a few words each: `upgrade ns/web`. */
  brief(): string[]
}

const release = (target: PlanTarget) => `${target.namespace}/${target.release}`

/** What helm prints after an install or upgrade that made `revision` (with the objects it applied). */
export function releaseJson(revision: number, chartVersion = '1.0.0', manifest?: string): string {
  return JSON.stringify({
    version: revision,
    chart: { metadata: { version: chartVersion } },
    ...(manifest !== undefined && { manifest })
  })
}

/** What helm prints after an install or upgrade that made `revision`, asked for the table. */
export function releaseTable(release: string, revision: number): string {
  return `NAME: ${release}\nNAMESPACE: ns\nSTATUS: deployed\nREVISION: ${revision}\nNOTES:\nREVISION: 99\n`
}

/** An install's or upgrade's answer in the output the engine asked for. */
export function released(revision: number, chartVersion = '1.0.0'): Answer {
  return ({ input, target }) =>
    Promise.resolve(
      typeof input === 'object' && 'output' in input && input.output === 'table'
        ? releaseTable(target.release, revision)
        : releaseJson(revision, chartVersion)
    )
}

export function fakeHelm(
  script: Partial<Record<HelmOperation, Answer> & Record<ChartOperation, ChartAnswer>> = {},
  binary: Pick<HelmPort, 'path' | 'major'> = { path: '/fake/helm', major: 4 }
): FakeHelm {
  const calls: FakeCall[] = []
  const answer = async (
    operation: HelmOperation,
    target: PlanTarget,
    call: HelmCall,
    input?: FakeCall['input']
  ): Promise<string | undefined> => {
    const recorded = { operation, target, input, env: call.env, signal: call.signal }
    calls.push(recorded)
    call.announce?.(`helm ${operation} ${target.release}`)
    const scripted = operation in script ? script[operation] : defaults[operation]
    if (scripted instanceof Error) throw scripted
    return typeof scripted === 'function' ? scripted(recorded) : scripted
  }
  const text = async (...args: Parameters<typeof answer>) => (await answer(...args)) ?? ''
  const chartCalls: ChartCall[] = []
  const setUp = async (recorded: ChartCall): Promise<void> => {
    chartCalls.push(recorded)
    const scripted = script[recorded.operation]
    if (scripted instanceof Error) throw scripted
    if (scripted) await scripted(recorded)
  }
  return {
    ...binary,
    calls,
    chartCalls,
    brief: () =>
      calls.map((c) =>
        [c.operation, release(c.target), ...(typeof c.input === 'number' ? [c.input] : [])].join(
          ' '
        )
      ),
    apply: (input, call) => text(input.operation, input.target, call, input),
    uninstall: async (target, call) => void (await answer('uninstall', target, call)),
    rollback: async (target, revision, call) =>
      void (await answer('rollback', target, call, revision)),
    template: (input, call) => text('template', input.target, call, input),
    history: (target, call) => answer('history', target, call),
    manifest: (target, call) => text('manifest', target, call),
    hooks: (target, call) => text('hooks', target, call),
    values: (target, call) => text('values', target, call),
    status: (target, call) => text('status', target, call),
    test: async (target, timeout, call) => void (await answer('test', target, call, timeout)),
    repoAdd: (name, url, login, call) =>
      setUp({ operation: 'repo-add', subject: name, url, login, env: call.env }),
    registryLogin: (host, login, call) =>
      setUp({ operation: 'registry-login', subject: host, login, env: call.env }),
    dependencyBuild: (chartDir, call) =>
      setUp({ operation: 'dependency-build', subject: chartDir, env: call.env })
  }
}

const defaults: Record<HelmOperation, Answer> = {
  install: released(1),
  upgrade: released(2),
  uninstall: '',
  rollback: '',
  template: '',
  history: undefined,
  manifest: '',
  hooks: '',
  values: '{}',
  status: '{}',
  test: ''
}

export interface HookCall {
  readonly name: HookName
  readonly scripts: readonly string[]
  readonly workspace: string
  readonly env: NodeJS.ProcessEnv
}

export interface FakeHooks extends HooksPort {
  readonly calls: HookCall[]
}

/** Hooks that succeed, except those `fail` names (`post-upgrade`), which throw. */
export function fakeHooks(fail: Partial<Record<HookName, Error>> = {}): FakeHooks {
  const calls: HookCall[] = []
  return {
    calls,
    run: async (name: HookName, scripts: readonly string[], options: HookRun) => {
      if (scripts.length === 0) return
      calls.push({ name, scripts, workspace: options.workspace, env: options.env })
      const failure = fail[name]
      if (failure) throw failure
    }
  }
}
