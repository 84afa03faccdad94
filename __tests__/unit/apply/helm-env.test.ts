import { describe, expect, it } from 'vitest'
import { helmEnv } from '../../../src/apply/helm.ts'

describe("helm's environment", () => {
  it.each([
    [
      'one processor, a lazier collector with a ceiling',
      { PATH: '/usr/bin' },
      { PATH: '/usr/bin', GOMAXPROCS: '1', GOGC: '400', GOMEMLIMIT: '1GiB' }
    ],
    [
      "the job's GOMAXPROCS",
      { GOMAXPROCS: '4' },
      { GOMAXPROCS: '4', GOGC: '400', GOMEMLIMIT: '1GiB' }
    ],
    [
      "the job's GOGC: no collector settings of ours",
      { GOGC: '100' },
      { GOMAXPROCS: '1', GOGC: '100' }
    ],
    [
      "the job's GOMEMLIMIT: no collector settings of ours",
      { GOMEMLIMIT: '4GiB' },
      { GOMAXPROCS: '1', GOMEMLIMIT: '4GiB' }
    ]
  ])('%s', (_name, env, expected) => {
    expect(helmEnv(env)).toEqual(expected)
  })
})
