import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

// `<tool>-version: system`: the executable the runner's PATH gives first.

export function onPath(name: string): string | undefined {
  const file = process.platform === 'win32' ? `${name}.exe` : name
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const candidate = join(dir, file)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // Not here.
    }
  }
  return undefined
}
