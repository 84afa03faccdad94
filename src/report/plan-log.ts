import * as core from '@actions/core'
import { mask } from './masking.ts'

// One log group per plan. Setups run in parallel and the runner's groups cannot
// nest or interleave, so a plan's lines are kept and printed as one group when
// it ends; a single live line says when it starts.

export class PlanLog {
  readonly #title: string
  readonly #lines: string[] = []
  #flushed = false

  constructor(title: string) {
    this.#title = title
  }

  /** A live line outside the group, so a long helm run shows progress. */
  started(what: string): void {
    core.info(mask(`▶ ${this.#title}: ${what}`))
  }

  line(text: string): void {
    this.#lines.push(mask(text))
  }

  /** Every line of a process (hooks). */
  readonly onLine = (text: string): void => this.line(`  ${text}`)

  /** Only diagnostics: helm's stdout is JSON data (values, manifests), not log material. */
  readonly onStderr = (text: string, stream: 'stdout' | 'stderr'): void => {
    if (stream === 'stderr') this.line(`  ${text}`)
  }

  flush(outcome: string): void {
    if (this.#flushed) return
    this.#flushed = true
    core.startGroup(mask(`${this.#title}: ${outcome}`))
    for (const line of this.#lines) core.info(line)
    core.endGroup()
  }
}
