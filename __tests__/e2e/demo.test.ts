// The README's quick start deploys examples/ops-repo through scripts/demo.ts:
// this keeps that command true.
import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const exec = promisify(execFile)
const root = resolve(import.meta.dirname, '..', '..')

describe('the quick start demo', () => {
  it('deploys examples/ops-repo to the bed, then upgrades what a values change touches', async () => {
    const { stdout } = await exec(process.execPath, [resolve(root, 'scripts', 'demo.ts')], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024
    })
    expect(stdout).toContain('3 plan(s): 3 succeeded.')
    expect(stdout).toContain('1 plan(s): 1 succeeded.')
    expect(stdout).toMatch(/local\/a team-a\/greeting: .*"audience":"team a, upgraded"/)
    expect(stdout).toMatch(/local\/b team-b\/greeting: .*"audience":"world"/)
  })
})
