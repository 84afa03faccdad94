import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { cleanup } from '../../../src/apply/cleanup.ts'
import { STATE_KEY, WORKDIR_PREFIX } from '../../../src/apply/workdir-state.ts'

const stateVar = `STATE_${STATE_KEY}`

function folder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  mkdirSync(join(dir, 'kube'))
  writeFileSync(join(dir, 'kube', 'kubeconfig.yaml'), 'secret', { mode: 0o600 })
  return dir
}

describe('the post step', () => {
  afterEach(() => {
    delete process.env[stateVar]
    vi.restoreAllMocks()
  })

  it('removes the folder the main step recorded', async () => {
    const dir = folder(WORKDIR_PREFIX)
    process.env[stateVar] = dir
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
    await cleanup()
    expect(existsSync(dir)).toBe(false)
    expect(log).toHaveBeenCalledWith(expect.stringContaining(`Removed ${dir}`))
  })

  it('refuses a folder it did not make, with a warning', async () => {
    const dir = folder('someone-else-')
    process.env[stateVar] = `${dir}`
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
    await cleanup()
    expect(existsSync(join(dir, 'kube', 'kubeconfig.yaml'))).toBe(true)
    expect(log).toHaveBeenCalledWith(
      `::warning::not removing ${dir}: it is not a folder gitops-action created`
    )
  })

  it('says nothing when the main step removed the folder itself', async () => {
    const dir = folder(WORKDIR_PREFIX)
    rmSync(dir, { recursive: true })
    process.env[stateVar] = dir
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
    await cleanup()
    expect(log).not.toHaveBeenCalled()
  })

  it('does nothing when the main step recorded no folder', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
    await cleanup()
    expect(log).not.toHaveBeenCalled()
  })
})
