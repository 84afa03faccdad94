import { join } from 'node:path'
import { PlanLog } from '../report/plan-log.ts'
import type { Config, DeploymentPlan, PlannedStep, Result } from '../types.ts'
import { ChartResolver } from './charts.ts'
import { childEnv, helmRun, type Helm } from './helm.ts'
import { templateArgs, translateUserArgs } from './helm-args.ts'
import { mapLimited } from './pool.ts'
import { notRun } from './step.ts'
import { createWorkdir } from './workdir.ts'

// dry-run and pull_request (SPEC §7): render each affected plan with
// `helm template`; no kubeconfig, no hooks, no cluster.

export async function preview(
  plan: DeploymentPlan,
  config: Config,
  helm: Helm | undefined,
  signal: AbortSignal
): Promise<Result[]> {
  if (plan.setups.length === 0) return []
  if (!helm) throw new Error('internal error: plans to render but no helm prepared')
  const workdir = createWorkdir()
  // No KUBECONFIG at all: helm template must not reach for a cluster.
  const env = childEnv({ ...workdir.helmEnv, KUBECONFIG: join(workdir.root, 'no-kubeconfig') })
  const charts = new ChartResolver(helm, plan.repositories, config.workspace, { env, signal })
  const perSetup = await mapLimited(plan.setups, config.parallel, async (setup) => {
    const results: Result[] = []
    for (const step of setup.steps)
      results.push(await render(step, { config, helm, env, charts, signal, sha: plan.sha }))
    return results
  })
  return perSetup.flat()
}

interface RenderContext {
  readonly config: Config
  readonly helm: Helm
  readonly env: NodeJS.ProcessEnv
  readonly charts: ChartResolver
  readonly signal: AbortSignal
  readonly sha: string
}

/** Kinds and names of the rendered objects: `Deployment/web`. */
export function renderedObjects(manifest: string): string[] {
  const objects: string[] = []
  for (const doc of manifest.split(/^---\s*$/m)) {
    const kind = /^kind:\s*["']?([\w.-]+)/m.exec(doc)?.[1]
    const name = /^metadata:\s*\n(?:[ \t]+.*\n)*?[ \t]+name:\s*["']?([^"'\s]+)/m.exec(doc)?.[1]
    if (kind) objects.push(`${kind}/${name ?? '?'}`)
  }
  return objects
}

async function render(step: PlannedStep, context: RenderContext): Promise<Result> {
  if (context.signal.aborted) return notRun(step, 'skipped', 'not run: the run was cancelled')
  const planned = notRun(step, 'skipped', '')
  if (step.action === 'uninstall')
    return { ...planned, status: 'planned', notes: ['would uninstall the release'] }
  const { target, spec } = step
  const log = new PlanLog(`${target.setup} ${target.namespace}/${target.release} (${target.plan})`)
  for (const why of step.reasons) log.line(`Affected: ${why}`)
  const started = performance.now()
  try {
    const chart = await context.charts.resolve(spec.chart, { onLine: log.onStderr })
    const args = templateArgs({
      target,
      chart,
      version: spec.version,
      values: spec.values.map((file) => join(context.config.workspace, file)),
      userArgs: translateUserArgs(context.config.helmArgs, context.helm.major, {
        serverSide: false
      }).args
    })
    log.line(`helm ${args.join(' ')}`)
    const rendered = await helmRun(context.helm, args, {
      env: context.env,
      signal: context.signal,
      onLine: log.onStderr
    })
    const objects = renderedObjects(rendered.stdout)
    log.line(`renders ${objects.length} object(s): ${objects.join(', ')}`)
    log.flush('planned')
    return {
      ...planned,
      status: 'planned',
      operation: 'apply',
      durationMs: Math.round(performance.now() - started),
      notes: [
        `renders ${objects.length} object(s)${objects.length ? `: ${objects.join(', ')}` : ''}`
      ]
    }
  } catch (error) {
    const message = `${target.plan}: ${error instanceof Error ? error.message : String(error)}`
    log.line(`✖ ${message}`)
    log.flush('render failed')
    return {
      ...planned,
      status: 'failed',
      error: message,
      notes: [],
      durationMs: Math.round(performance.now() - started)
    }
  }
}
