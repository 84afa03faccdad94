import type { Checkout } from '../plan/checkout.ts'
import { openCheckout } from '../plan/checkout.ts'
import { fleetSetups } from '../plan/fleet-setups.ts'
import { planDeployment } from '../plan/planner.ts'
import { reportFleetPlan } from '../report/fleet-plan.ts'
import { reportPlan } from '../report/report.ts'
import type { Changes, Scope } from '../types/changes.ts'
import type { Config } from '../types/config.ts'
import type { DeploymentPlan, RunKind } from '../types/plan.ts'
import { shardsOf } from './shards.ts'

// `mode: plan`: which setups a fleet deploys, from the diff alone: the plan files are
// read for what they refer to (a changed values file affects its plans), but nothing
// is rendered, no helm, no kubeconfig store, no cluster. The outputs are the waves and
// each wave's shards for the deploy jobs' matrices, and the base and head they pin.

export interface PlanModeInput {
  readonly config: Config
  readonly scope: Scope
  readonly changes: Changes | undefined
  readonly sha: string
  readonly runKind: RunKind
}

export async function runPlanMode(input: PlanModeInput): Promise<DeploymentPlan> {
  const { config, scope, changes, sha } = input
  let checkout: Checkout | undefined
  const plan = await planDeployment({
    config,
    scope,
    changes,
    runKind: input.runKind,
    openCheckout: async () => (checkout = await openCheckout(config.workspace, sha)),
    sha
  })
  reportPlan(plan, scope, changes)
  const fleet = checkout ? fleetSetups(checkout.listFiles(), config) : []
  const { waves } = plan
  await reportFleetPlan({
    base: scope.kind === 'diff' ? (changes?.base ?? scope.base) : undefined,
    head: scope.kind === 'none' ? sha : scope.head,
    waves,
    shards: shardsOf(waves, fleet, config.shardSize),
    shardSize: config.shardSize,
    problems: plan.problems.length
  })
  return plan
}
