import type * as actual from '@actions/core'
import type { AnnotationProperties } from '@actions/core'
import { EOL } from 'node:os'
import { vi } from 'vitest'
import { actionDefaults } from '../../../src/action-defaults.ts'
import type * as fake from './core.ts'

// The one fake of @actions/core for unit tests (the way GitHub's typescript-action
// template tests an action): it holds what the step was given and records what the code
// wrote, instead of workflow commands on stdout. A test file mocks the module with it,
//   vi.mock('@actions/core', () => import('../../support/fakes/core.ts'))
// imports it as `core` to read what was written, and calls resetCore() before each test.

/** What src/ calls of @actions/core; each stands here with the real function's type. */
type Used =
  | 'getInput'
  | 'setOutput'
  | 'setFailed'
  | 'setSecret'
  | 'saveState'
  | 'info'
  | 'notice'
  | 'warning'
  | 'error'
  | 'startGroup'
  | 'endGroup'
type Core = Pick<typeof actual, Used>
type Summary = typeof actual.summary

/** The inputs a test gives the step; the others have action.yml's defaults, as on a runner. */
export const inputs = new Map<string, string>()
export const outputs = new Map<string, string>()
/** Every line the step wrote, in order: info lines, `group: …`, `notice: …`, `warning: …`, `error: …`. */
export const log: string[] = []
/** The info lines alone. */
export const infos: string[] = []
export interface Annotation {
  readonly kind: 'notice' | 'warning' | 'error'
  readonly message: string
  readonly properties?: AnnotationProperties
}
/** The notices, warnings and errors (setFailed's messages are in `failed`). */
export const annotations: Annotation[] = []
export const secrets: string[] = []
/** setFailed's messages. */
export const failed: string[] = []
/** What each write of the job summary added. */
export const summaries: string[] = []

/** How the runner's protocol turns a value into text (@actions/core's toCommandValue). */
const text = (value: unknown): string =>
  typeof value === 'string' ? value : value == null ? '' : JSON.stringify(value)

export const getInput = vi.fn<Core['getInput']>((name, options) => {
  const value = inputs.get(name) ?? actionDefaults().get(name) ?? ''
  if (options?.required && value === '') throw new Error(`Input required and not supplied: ${name}`)
  return options?.trimWhitespace === false ? value : value.trim()
})
export const setOutput = vi.fn<Core['setOutput']>((name, value) => {
  outputs.set(name, text(value))
})
export const setFailed = vi.fn<Core['setFailed']>((message) => {
  failed.push(String(message))
  log.push(`error: ${String(message)}`)
})
export const setSecret = vi.fn<Core['setSecret']>((secret) => {
  secrets.push(secret)
})
export const saveState = vi.fn<Core['saveState']>()
export const info = vi.fn<Core['info']>((message) => {
  infos.push(message)
  log.push(message)
})
const annotate =
  (kind: Annotation['kind']) =>
  (message: string | Error, properties?: AnnotationProperties): void => {
    annotations.push({ kind, message: String(message), ...(properties && { properties }) })
    log.push(`${kind}: ${String(message)}`)
  }
export const notice = vi.fn<Core['notice']>(annotate('notice'))
export const warning = vi.fn<Core['warning']>(annotate('warning'))
export const error = vi.fn<Core['error']>(annotate('error'))
export const startGroup = vi.fn<Core['startGroup']>((name) => {
  log.push(`group: ${name}`)
})
export const endGroup = vi.fn<Core['endGroup']>()

/** The job summary's buffer: the calls src/ makes, with the real parameters. */
interface FakeSummary {
  addRaw(...args: Parameters<Summary['addRaw']>): FakeSummary
  write(...args: Parameters<Summary['write']>): Promise<FakeSummary>
}
let pending = ''
export const summary: FakeSummary = {
  addRaw(raw, addEOL = false) {
    pending += addEOL ? raw + EOL : raw
    return summary
  },
  async write(options) {
    if (options?.overwrite) summaries.length = 0
    summaries.push(pending)
    pending = ''
    return summary
  }
}

/** Compiles only while every function src/ calls is here with @actions/core's signature. */
export type Typed<T extends Core = Pick<typeof fake, Used>> = T

/** A fresh step: no inputs given, nothing written, no calls recorded. */
export function resetCore(): void {
  inputs.clear()
  outputs.clear()
  for (const list of [log, infos, annotations, secrets, failed, summaries]) list.length = 0
  pending = ''
  vi.clearAllMocks()
}
