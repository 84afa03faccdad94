import * as core from '@actions/core'
import { mask } from '../secrets/masking.ts'
import { printUntrusted } from './untrusted-text.ts'

// One log group per plan. Setups run in parallel and the runner's groups cannot
// nest or interleave, so a plan's lines are kept and printed as one group when
// it ends; a single live line says when it starts. What is kept is bounded (the
// first and the last lines, with a count of those left out between), so a hook
// that prints without end cannot fill the memory.

export const HEAD_LINES = 1_000
export const TAIL_LINES = 1_000

export class PlanLog {
  readonly #title: string
  readonly #head: string[] = []
  /** A ring of the latest lines once the head is full. */
  readonly #tail: string[] = []
  #tailStart = 0
  #omitted = 0
  #flushed = false
  /** A preview's object diff: kept whole, as the comment and summary point here for it. */
  readonly #diff: string[] = []

  constructor(title: string) {
    this.#title = title
  }

  /** A live line outside the group, so a long helm run shows progress. */
  started(what: string): void {
    printUntrusted(`▶ ${this.#title}: ${what}`)
  }

  line(text: string): void {
    const masked = mask(text)
    if (this.#head.length < HEAD_LINES) this.#head.push(masked)
    else if (this.#tail.length < TAIL_LINES) this.#tail.push(masked)
    else {
      this.#tail[this.#tailStart] = masked
      this.#tailStart = (this.#tailStart + 1) % TAIL_LINES
      this.#omitted++
    }
  }

  /** A line of the object diff (the caller has redacted Secrets). */
  diff(text: string): void {
    this.#diff.push(mask(text))
  }

  /** Every line of a process (hooks). */
  readonly onLine = (text: string): void => this.line(`  ${text}`)

  /** Only diagnostics: helm's stdout is JSON data (values, manifests), not log material. */
  readonly onStderr = (text: string, stream: 'stdout' | 'stderr'): void => {
    if (stream === 'stderr') this.line(`  ${text}`)
  }

  /** The lines to print: head, the count left out, then the tail in order. */
  lines(): string[] {
    const tail = [...this.#tail.slice(this.#tailStart), ...this.#tail.slice(0, this.#tailStart)]
    const gap = this.#omitted > 0 ? [`… ${this.#omitted} line(s) left out …`] : []
    return [...this.#head, ...gap, ...tail, ...this.#diff]
  }

  flush(outcome: string): void {
    if (this.#flushed) return
    this.#flushed = true
    // The group's title is a command parameter: @actions/core escapes it.
    core.startGroup(mask(`${this.#title}: ${outcome}`))
    printUntrusted(this.lines())
    core.endGroup()
  }
}
