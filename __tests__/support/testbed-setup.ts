// vitest globalSetup of project `bed`: builds what is missing (cached), brings the test bed
// up or reuses a running healthy one, and exports its `.testbed/env` values to the tests.
// A bed this setup started is stopped afterwards unless TESTBED_KEEP=1; a reused one stays.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { testbedDir, testbedValues } from './testbed.ts'

const repoRoot = resolve(import.meta.dirname, '..', '..')
const stateFile = join(testbedDir, 'state.json')

function startedAt(): string | undefined {
  if (!existsSync(stateFile)) return undefined
  return (JSON.parse(readFileSync(stateFile, 'utf8')) as { startedAt?: string }).startedAt
}

function step(what: string, command: string, args: string[]): void {
  const r = spawnSync(command, args, { cwd: repoRoot, stdio: 'inherit', env: process.env })
  if (r.status !== 0) {
    throw new Error(
      `test bed ${what} failed (\`${command} ${args.join(' ')}\` exited ${r.status ?? r.signal}); see its output above`
    )
  }
}

export default function setup(): () => void {
  const before = startedAt()
  if (!process.env.TESTBED_SKIP_BUILD) step('build', 'bash', [join(repoRoot, 'test/bed/build.sh')])
  step('up', process.execPath, [join(repoRoot, 'test/bed/up.mjs')])
  const startedHere = startedAt() !== before
  for (const [key, value] of Object.entries(testbedValues())) process.env[key] = value
  return () => {
    if (startedHere && !process.env.TESTBED_KEEP)
      step('down', process.execPath, [join(repoRoot, 'test/bed/down.mjs')])
  }
}
