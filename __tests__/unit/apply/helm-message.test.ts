import { describe, expect, it } from 'vitest'
import { helmMessage } from '../../../src/apply/helm.ts'

describe("helm's error message", () => {
  it.each([
    ['one error line, warnings dropped', 'WARNING: x\nError: boom\n', 'boom'],
    [
      "Helm 4's indented continuation lines stay with their error",
      'Error: failed to render chart:\n  template: c/templates/cm.yaml:3:4: executing "x"\n  at <.Values.missing.key>: nil pointer\n',
      'failed to render chart:\ntemplate: c/templates/cm.yaml:3:4: executing "x"\nat <.Values.missing.key>: nil pointer'
    ],
    ['an unindented line after an error is not part of it', 'Error: boom\nplain text\n', 'boom'],
    ['no error line: the last lines', 'a\nb\n', 'a\nb'],
    ['nothing', '', 'no error output']
  ])('%s', (_name, stderr, message) => {
    expect(helmMessage(stderr)).toBe(message)
  })
})
