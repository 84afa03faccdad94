import { join } from 'node:path'
import { hookOnlyEnv } from '../child-env.ts'
import { run } from '../process.ts'
import type { HookName, PlanTarget } from '../types/plan.ts'
import type { Operation } from '../types/results.ts'
import { errorMessage } from '../error-message.ts'

// Hook scripts of a plan: run one after another with the `shell` input, from the
// root of the commit they belong to (the checkout; a removed plan's base commit,
// written privately), with the plan's variables; the first failure stops.

export interface HookRun {
  readonly shell: string
  /** The commit's files: scripts are repository paths in it, and run from it. */
  readonly workspace: string
  readonly timeoutMs: number
  readonly env: NodeJS.ProcessEnv
  readonly signal?: AbortSignal
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void
}

export interface HookVariables {
  readonly target: PlanTarget
  readonly kubeconfig: string
  readonly helm: string
  readonly chart: string
  readonly version: string
  readonly operation: Operation
  readonly sha: string
}

export class HookError extends Error {}

/** The variables a hook gets beside the runner's own (README: What happens to one plan). */
export function hookEnv(v: HookVariables): Record<string, string> {
  return {
    KUBECONFIG: v.kubeconfig,
    HELM: v.helm,
    GITOPS_SETUP: v.target.setup,
    GITOPS_NAMESPACE: v.target.namespace,
    GITOPS_RELEASE: v.target.release,
    GITOPS_CHART: v.chart,
    GITOPS_VERSION: v.version,
    GITOPS_PLAN: v.target.plan,
    GITOPS_OPERATION: v.operation,
    GITOPS_SHA: v.sha
  }
}

/** `shell` may carry options (`/bin/bash -eu`): split on blanks, no shell involved. */
export function shellCommand(shell: string): { command: string; args: string[] } {
  const [command, ...args] = shell.trim().split(/\s+/)
  if (!command) throw new HookError('the shell input is empty')
  return { command, args }
}

export async function runHooks(
  name: HookName,
  scripts: readonly string[],
  options: HookRun
): Promise<void> {
  const { command, args } = shellCommand(options.shell)
  for (const script of scripts) {
    options.onLine?.(`── ${name} hook ${script}`, 'stdout')
    const result = await run(command, [...args, join(options.workspace, script)], {
      cwd: options.workspace,
      env: { ...options.env, ...hookOnlyEnv() },
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      onLine: options.onLine,
      // Log material only: its lines go to onLine, its end to stderr's bounded tail.
      captureStdout: false
    }).catch((error: unknown) => {
      throw new HookError(`${name} hook ${script} could not start: ${errorMessage(error)}`)
    })
    if (result.code === 0) continue
    const tail = result.stderr.trim().split('\n').slice(-3).join('\n')
    const why = result.timedOut
      ? `timed out after ${Math.round(options.timeoutMs / 1000)} s (hook-timeout); its processes were killed`
      : result.cancelled
        ? 'stopped: the run was cancelled'
        : result.code === null
          ? `killed by ${result.signal}`
          : `exited with ${result.code}`
    throw new HookError(`${name} hook ${script} ${why}${tail ? `: ${tail}` : ''}`)
  }
}
