import type { ReleaseOptions } from '../types/plan.ts'

// Pure: a plan's release options in a few words, for its notes (job summary,
// `results`, the pull request preview), so what a plan asks of helm is visible.

export function optionsNote(options: ReleaseOptions): string | undefined {
  const said = [
    options.atomic !== undefined ? `atomic ${options.atomic ? 'on' : 'off'}` : undefined,
    options.wait !== undefined ? `wait ${options.wait ? 'on' : 'off'}` : undefined,
    options.timeout !== undefined ? `timeout ${options.timeout}` : undefined,
    Object.keys(options.set).length > 0
      ? `set ${Object.keys(options.set).sort().join(', ')}`
      : undefined,
    options.test
      ? `helm test${options.test.rollbackOnFailure ? ' (rollback on failure)' : ''}`
      : undefined,
    options.keep ? 'keep on removal' : undefined,
    options.health.enable ? 'health-checked' : undefined,
    options.crds !== 'create' ? `crds ${options.crds}` : undefined
  ].filter((part) => part !== undefined)
  return said.length > 0 ? `release options: ${said.join(', ')}` : undefined
}
