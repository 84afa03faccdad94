import type * as core from '@actions/core'
import { vi } from 'vitest'
import { actionDefaults } from '../../../src/action-defaults.ts'

// A typed fake of the @actions/core functions the action calls, for in-process runs of
// run(): it holds what the step was given and records what the action wrote. A test
// mocks the module with it: vi.mock('@actions/core', () => import('.../fakes/core.ts')).

/** The inputs a test gives the step; the others have action.yml's defaults, as on a runner. */
export const inputs = new Map<string, string>()
export const outputs = new Map<string, string>()
/** Every line of the log, annotations included (`notice: …`, `warning: …`, `error: …`). */
export const log: string[] = []
export const summaries: string[] = []

export const getInput = vi.fn<typeof core.getInput>((name, options) => {
  const value = inputs.get(name) ?? actionDefaults().get(name) ?? ''
  if (options?.required && value === '') throw new Error(`Input required and not supplied: ${name}`)
  return options?.trimWhitespace === false ? value : value.trim()
})
export const setOutput = vi.fn<typeof core.setOutput>((name, value) => {
  outputs.set(name, String(value))
})
export const setFailed = vi.fn<typeof core.setFailed>((message) => {
  log.push(`error: ${String(message)}`)
})
export const setSecret = vi.fn<typeof core.setSecret>()
export const saveState = vi.fn<typeof core.saveState>()
export const isDebug = vi.fn<typeof core.isDebug>(() => false)
export const debug = vi.fn<typeof core.debug>()
export const info = vi.fn<typeof core.info>((message) => {
  log.push(message)
})
const annotation =
  (kind: string) =>
  (message: string | Error): void => {
    log.push(`${kind}: ${String(message)}`)
  }
export const notice = vi.fn<typeof core.notice>(annotation('notice'))
export const warning = vi.fn<typeof core.warning>(annotation('warning'))
export const error = vi.fn<typeof core.error>(annotation('error'))
export const startGroup = vi.fn<typeof core.startGroup>((name) => {
  log.push(`group: ${name}`)
})
export const endGroup = vi.fn<typeof core.endGroup>()

interface FakeSummary {
  pending: string
  addRaw(text: string): FakeSummary
  write(): Promise<FakeSummary>
}

/** The job summary (the two calls report/ makes): what was added, kept once written. */
export const summary: FakeSummary = {
  pending: '',
  addRaw(text) {
    summary.pending += text
    return summary
  },
  async write() {
    summaries.push(summary.pending)
    summary.pending = ''
    return summary
  }
}

/** A fresh step: no inputs given, nothing written. */
export function resetCore(): void {
  inputs.clear()
  outputs.clear()
  log.length = 0
  summaries.length = 0
  summary.pending = ''
  vi.clearAllMocks()
}
