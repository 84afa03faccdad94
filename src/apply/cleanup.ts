import { rm } from 'node:fs/promises'
import { basename } from 'node:path'
import * as core from '@actions/core'
import { STATE_KEY, WORKDIR_PREFIX } from './workdir.ts'

/** The post step: remove the run's folder (kubeconfigs, helm repository config). */
export async function cleanup(): Promise<void> {
  const dir = core.getState(STATE_KEY)
  if (!dir) return
  // Only ever a folder this action made.
  if (!basename(dir).startsWith(WORKDIR_PREFIX)) {
    core.warning(`not removing ${dir}: it is not a folder gitops-action created`)
    return
  }
  try {
    await rm(dir, { recursive: true, force: true })
    core.info(`Removed ${dir} (kubeconfigs and helm repository config of this run)`)
  } catch (error) {
    core.warning(
      `could not remove ${dir}: ${error instanceof Error ? error.message : String(error)}`
    )
  }
}
