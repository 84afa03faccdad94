import { randomUUID } from 'node:crypto'
import * as core from '@actions/core'
import { mask } from '../secrets/masking.ts'

// Text the action did not write itself (file names, change reasons, hook and
// helm output, chart messages) reaches the log only through here. The runner
// takes a line as a workflow command when it starts with `::` after leading
// whitespace, or holds the legacy `##[` anywhere, and it splits lines at \r as
// well as \n. Text that could read as one is printed between
// `::stop-commands::<token>` and `::<token>::` with a token nobody can guess:
// the runner shows it verbatim and obeys none of it.

const COMMAND_LIKE = /::|##\[/

/** Prints untrusted text (masked) so that no part of it can act as a workflow command. */
export function printUntrusted(text: string | readonly string[]): void {
  const masked = mask(typeof text === 'string' ? text : text.join('\n'))
  if (!COMMAND_LIKE.test(masked)) {
    core.info(masked)
    return
  }
  const token = randomUUID()
  core.info(`::stop-commands::${token}`)
  core.info(masked)
  core.info(`::${token}::`)
}
