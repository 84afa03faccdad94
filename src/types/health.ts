// Whether a release's objects became what they should be once helm returned (kstatus's rules).

/** A plan's `health` option, plan over `.gitops/defaults.yaml`; every plan of a setup in `waves` is checked too. */
export interface HealthCheck {
  readonly enable: boolean
  /** Rules for kinds of the plan's own, in CEL (Flux's `healthCheckExprs`). */
  readonly expressions: readonly HealthExpression[]
  /** Objects never waited for (optional add-ons that never become ready): `Kind/name`. */
  readonly ignore: readonly string[]
}

/** CEL over the object (its top-level fields, and `self`): `inProgress`, `failed`, then `current` true decide; none: in progress. */
export interface HealthExpression {
  readonly apiVersion: string
  readonly kind: string
  readonly current: string
  readonly failed?: string
  readonly inProgress?: string
}

/** kstatus's statuses, as far as a rollout cares. */
export type HealthVerdict = 'current' | 'in-progress' | 'failed'

export interface ObjectHealth {
  readonly verdict: HealthVerdict
  /** kstatus's message: why it is not current, or what makes it current; empty for an ignored object. */
  readonly reason: string
}

/** A result's `health`: null when the release was not checked. */
export type Health = 'healthy' | 'unhealthy'

export const NO_HEALTH_CHECK: HealthCheck = { enable: false, expressions: [], ignore: [] }
