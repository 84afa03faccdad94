import type { HealthCheck, ObjectHealth } from '../types/health.ts'

// Pure: kstatus's rules for one live object (placeholder until the rules land: a
// standard Ready condition, else current once it exists).

export function objectHealth(
  object: Readonly<Record<string, unknown>>,
  check: HealthCheck
): ObjectHealth {
  void check
  const status = object['status'] as
    { conditions?: { type?: string; status?: string; message?: string }[] } | undefined
  const ready = status?.conditions?.find((c) => c.type === 'Ready')
  if (!ready || ready.status === 'True') return { verdict: 'current', reason: '' }
  return { verdict: 'in-progress', reason: ready.message ?? 'Ready is not True' }
}
