import * as core from '@actions/core'
import { mask } from '../secrets/masking.ts'

/** A warning annotation about the run as a whole (not one plan), masked like all that report/ writes. */
export function runWarning(text: string): void {
  core.warning(mask(text))
}

/** A notice about the run as a whole: something left out on purpose, not a fault. */
export function runNotice(text: string): void {
  core.notice(mask(text))
}
