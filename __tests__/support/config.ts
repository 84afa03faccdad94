import { readConfig, SEED_ENV } from '../../src/config.ts'
import type { Config } from '../../src/types/config.ts'

/**
 * A Config with action.yml's defaults, for tests and the benchmark; override what a case
 * needs. It is what readConfig() makes of a step with no inputs given, so a new input's
 * default comes from action.yml with no copy here.
 */
export function testConfig(overrides: Partial<Config> = {}): Config {
  const hidden = Object.keys(process.env).filter(
    (name) => name.startsWith('INPUT_') || Object.values(SEED_ENV).includes(name)
  )
  const saved = hidden.map((name) => [name, process.env[name]] as const)
  for (const name of hidden) delete process.env[name]
  try {
    return { ...readConfig(), githubToken: '', workspace: '', ...overrides }
  } finally {
    for (const [name, value] of saved) process.env[name] = value
  }
}
