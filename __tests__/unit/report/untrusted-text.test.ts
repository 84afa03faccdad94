import { afterEach, describe, expect, it, vi } from 'vitest'
import { HEAD_LINES, PlanLog, TAIL_LINES } from '../../../src/report/plan-log.ts'
import { printUntrusted } from '../../../src/report/untrusted-text.ts'
import { workflowCommands } from '../../support/workflow-commands.ts'

// The one unit file on the real @actions/core, not its fake: these cases check the bytes
// the runner reads on stdout.

/** What the code under test wrote to stdout (the runner's view of the step). */
function captured(fn: () => void): string {
  const chunks: string[] = []
  const spy = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => (chunks.push(String(chunk)), true))
  try {
    fn()
  } finally {
    spy.mockRestore()
  }
  return chunks.join('')
}

afterEach(() => vi.restoreAllMocks())

const HOSTILE = [
  '::error title=Injected::from a file name',
  '   ::warning::indented',
  '\t::notice::tabbed',
  'x\r::error::after a carriage return',
  'some ##[error]legacy form mid-line',
  '::stop-commands::pwned',
  '::add-mask::everything',
  '::set-output name=results::[]'
]

describe('printUntrusted', () => {
  it.each(HOSTILE)('%j reaches the log verbatim and acts as no command', (text) => {
    const out = captured(() => printUntrusted(`before\n${text}\nafter`))
    expect(workflowCommands(out)).toEqual([])
    expect(out).toContain(text)
  })

  it('a command of the action after untrusted text still works', () => {
    const out = captured(() => {
      printUntrusted(HOSTILE)
      process.stdout.write('::error::ours\n')
    })
    expect(workflowCommands(out)).toEqual([{ command: 'error', properties: {}, data: 'ours' }])
  })

  it('prints plain text as it is', () => {
    expect(captured(() => printUntrusted(['a: b', 'c']))).toBe('a: b\nc\n')
  })

  it('uses a new token each time', () => {
    const tokens = [1, 2].map(
      () => /::stop-commands::(\S+)/.exec(captured(() => printUntrusted('::x::')))?.[1]
    )
    expect(tokens[0]).toMatch(/^[0-9a-f-]{36}$/)
    expect(tokens[0]).not.toBe(tokens[1])
  })
})

describe('PlanLog', () => {
  it('prints hook and helm lines in its group and obeys none of them', () => {
    const log = new PlanLog('local/a ns/app (local/a/ns/app.yaml)')
    for (const line of HOSTILE) log.onLine(line)
    log.onStderr('::error::helm stderr', 'stderr')
    const out = captured(() => log.flush('install succeeded'))
    expect(workflowCommands(out).map((c) => c.command)).toEqual(['group', 'endgroup'])
    expect(out).toContain('  ::error::helm stderr')
  })

  it('keeps the first and the last lines, and says how many it left out', () => {
    const log = new PlanLog('t')
    const total = HEAD_LINES + TAIL_LINES + 5_000
    for (let i = 0; i < total; i++) log.line(`line ${i}`)
    const lines = log.lines()
    expect(lines).toHaveLength(HEAD_LINES + TAIL_LINES + 1)
    expect(lines[0]).toBe('line 0')
    expect(lines[HEAD_LINES - 1]).toBe(`line ${HEAD_LINES - 1}`)
    expect(lines[HEAD_LINES]).toBe('… 5000 line(s) left out …')
    expect(lines[HEAD_LINES + 1]).toBe(`line ${HEAD_LINES + 5_000}`)
    expect(lines.at(-1)).toBe(`line ${total - 1}`)
  })
})
