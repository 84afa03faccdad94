import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as core from '@actions/core'
import { STATE_KEY, WORKDIR_PREFIX } from './workdir-state.ts'
import { errorMessage } from '../error-message.ts'

// One private folder per run under RUNNER_TEMP: kubeconfigs, decrypted values and
// helm's repository config live there, so nothing touches the user's helm config.
// The main step removes it when its work is done; the post step again, in case the
// main step was killed first.

export interface Workdir {
  readonly root: string
  /** HELM_* variables that point helm's repository config, cache and registry login here. */
  readonly helmEnv: Readonly<Record<string, string>>
  /** Values files as helm gets them (decrypted SOPS files), readable by this user alone. */
  readonly valuesDir: string
  /** Writes a setup's kubeconfig (mode 0600) and returns its path. */
  writeKubeconfig(setup: string, text: string): string
  /** Removes the folder and all it holds; the post step does again what this could not. */
  remove(): Promise<void>
}

/**
 * A setup's name as one file name, for everything kept per setup. Injective:
 * `/` becomes `%2F` and `%` itself `%25`, so no two setups share a path
 * (`a__b/c` and `a/b__c` once did).
 */
export function setupFileName(setup: string): string {
  return encodeURIComponent(setup)
}

export function createWorkdir(): Workdir {
  const base = process.env.RUNNER_TEMP || tmpdir()
  mkdirSync(base, { recursive: true })
  const root = mkdtempSync(join(base, WORKDIR_PREFIX))
  core.saveState(STATE_KEY, root)
  const helmDir = join(root, 'helm')
  const kubeDir = join(root, 'kube')
  mkdirSync(helmDir, { recursive: true, mode: 0o700 })
  const valuesDir = join(root, 'values')
  mkdirSync(kubeDir, { recursive: true, mode: 0o700 })
  mkdirSync(valuesDir, { recursive: true, mode: 0o700 })
  return {
    root,
    valuesDir,
    helmEnv: {
      HELM_REPOSITORY_CONFIG: join(helmDir, 'repositories.yaml'),
      HELM_REPOSITORY_CACHE: join(helmDir, 'cache'),
      HELM_REGISTRY_CONFIG: join(helmDir, 'registry.json')
    },
    writeKubeconfig(setup, text) {
      const file = join(kubeDir, `${setupFileName(setup)}.yaml`)
      writeFileSync(file, text, { mode: 0o600 })
      return file
    },
    remove: () =>
      rm(root, { recursive: true, force: true }).catch((error: unknown) =>
        core.info(
          `Could not remove ${root} yet (the post step tries again): ${errorMessage(error)}`
        )
      )
  }
}
