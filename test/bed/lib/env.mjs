// .testbed/env: shell-sourceable KEY=value lines, the one interface of tests and scripts.
import { writeFileSync, readFileSync, existsSync } from 'node:fs'
import { envFile } from './layout.mjs'

/** Single-quotes a value for sh (values hold URLs with credentials and spaces). */
function shQuote(value) {
  return `'${String(value).replaceAll("'", "'\\''")}'`
}

export function writeEnv(values) {
  const lines = Object.entries(values).map(([k, v]) => `${k}=${shQuote(v)}`)
  writeFileSync(
    envFile,
    `# written by test/bed/up.mjs; source it: set -a; . ${envFile}; set +a\n${lines.join('\n')}\n`,
    {
      mode: 0o600
    }
  )
}

export function readEnv(file = envFile) {
  if (!existsSync(file)) return undefined
  const out = {}
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)='(.*)'$/.exec(line)
    if (m) out[m[1]] = m[2].replaceAll("'\\''", "'")
  }
  return out
}
