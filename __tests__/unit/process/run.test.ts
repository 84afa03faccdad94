import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { MAX_LINE_CHARS, run, STDERR_TAIL_BYTES } from '../../../src/process.ts'
import { removeTempDirs, tempDir } from '../../support/git-repo.ts'

afterAll(removeTempDirs)

const alive = (pid: number): boolean => {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z')
  } catch {
    return false
  }
}

/** Runs `sh -c <script>`, whose background job writes its pid to the file the script is given. */
async function withBackgroundJob(script: (pidFile: string) => string) {
  const pidFile = join(await tempDir('process-'), 'bg.pid')
  const result = await run('/bin/sh', ['-c', script(pidFile)])
  return { result, pid: Number(readFileSync(pidFile, 'utf8')) }
}

describe('run', () => {
  it('ends when the process exits, and ends the background job it left holding stdout', async () => {
    const { result, pid } = await withBackgroundJob(
      (pidFile) => `sleep 60 & echo $! > '${pidFile}'; echo done`
    )
    expect(result).toMatchObject({ code: 0, stdout: 'done\n', timedOut: false })
    expect(result.durationMs).toBeLessThan(5_000)
    await new Promise((r) => setTimeout(r, 200))
    expect(alive(pid)).toBe(false)
  })

  it('ends a background job that ignores SIGTERM, after a grace', async () => {
    const { result, pid } = await withBackgroundJob(
      (pidFile) => `(trap '' TERM; sleep 60) >/dev/null 2>&1 & echo $! > '${pidFile}'`
    )
    expect(result.code).toBe(0)
    await new Promise((r) => setTimeout(r, 3_000))
    expect(alive(pid)).toBe(false)
  })

  it('does not wait for a process that left the group and holds stdout', async () => {
    const { result, pid } = await withBackgroundJob(
      (pidFile) => `setsid sleep 60 & echo $! > '${pidFile}'; echo done`
    )
    process.kill(pid, 'SIGKILL')
    expect(result).toMatchObject({ code: 0, stdout: 'done\n' })
    expect(result.durationMs).toBeLessThan(5_000)
  })

  it('streams lines, cuts long ones, and keeps only the tail of stderr', async () => {
    const lines: string[] = []
    const result = await run(
      '/bin/sh',
      [
        '-c',
        `head -c 100000 /dev/zero | tr '\\0' x; echo; echo next; head -c 1000000 /dev/zero | tr '\\0' e >&2; echo ' last' >&2`
      ],
      { onLine: (l, stream) => lines.push(`${stream}:${l.length}:${l.slice(-40)}`) }
    )
    expect(result.code).toBe(0)
    const note = ` … (line cut at ${MAX_LINE_CHARS} characters)`
    const cut = MAX_LINE_CHARS + note.length
    expect(lines).toEqual([
      `stdout:${cut}:${'x'.repeat(8)}${note}`,
      'stdout:4:next',
      `stderr:${cut}:${'e'.repeat(8)}${note}`
    ])
    expect(result.stderr.length).toBeLessThanOrEqual(STDERR_TAIL_BYTES)
    expect(result.stderr.endsWith('eee last\n')).toBe(true)
  })

  it('keeps no stdout when told to (log material only)', async () => {
    const lines: string[] = []
    const result = await run('/bin/echo', ['hello'], {
      captureStdout: false,
      onLine: (l) => lines.push(l)
    })
    expect(result.stdout).toBe('')
    expect(lines).toEqual(['hello'])
  })

  it('a timeout ends the whole group', async () => {
    const result = await run('/bin/sh', ['-c', 'sleep 60; echo never'], { timeoutMs: 200 })
    expect(result).toMatchObject({ timedOut: true, stdout: '' })
    expect(result.durationMs).toBeLessThan(5_000)
  })
})
