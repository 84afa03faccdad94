import { describe, expect, it } from 'vitest'
import { helmEnv } from '../../../src/apply/helm.ts'

describe("helm's environment", () => {
  it('gives helm one processor for Go code, unless the job chose otherwise', () => {
    expect(helmEnv({ PATH: '/usr/bin' })).toEqual({ PATH: '/usr/bin', GOMAXPROCS: '1' })
    expect(helmEnv({ GOMAXPROCS: '4' })).toEqual({ GOMAXPROCS: '4' })
  })
})
