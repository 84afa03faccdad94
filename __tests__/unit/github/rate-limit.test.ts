// Backing off GitHub's rate limits: the decision as a table, then the client against
// a local stand-in of the API that refuses with 403 and retry-after, as GitHub does
// for a secondary rate limit.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApi } from '../../../src/github/api.ts'
import { readEvent } from '../../../src/github/event.ts'
import { backoff, MAX_ATTEMPTS, type Refusal } from '../../../src/github/rate-limit.ts'
import { apiServerPerTest } from '../../support/api-server-per-test.ts'
import { pushPayload, runnerEnv } from '../../support/events.ts'
import {
  writeHandlers,
  type ApiReply,
  type Handler,
  type WriteState
} from '../../support/github-api-server.ts'

const NOW = Date.parse('2026-12-10T12:00:00Z')
const SECONDARY = 'You have exceeded a secondary rate limit. Please wait a few minutes.'

const refusal = (
  status: number,
  headers: Record<string, string> = {},
  message = SECONDARY
): Refusal => ({ status, headers, message })

describe('backoff', () => {
  it.each<[string, Refusal, number, ReturnType<typeof backoff>]>([
    [
      '403 with retry-after',
      refusal(403, { 'retry-after': '30' }),
      1,
      { kind: 'retry', waitMs: 30_000 }
    ],
    [
      'retry-after as an HTTP date',
      refusal(429, { 'retry-after': new Date(NOW + 5_000).toUTCString() }, 'Too Many Requests'),
      1,
      { kind: 'retry', waitMs: 5_000 }
    ],
    [
      'remaining 0: until the reset, and a second',
      refusal(
        403,
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 20) },
        'API rate limit exceeded'
      ),
      1,
      { kind: 'retry', waitMs: 21_000 }
    ],
    [
      'a secondary limit naming no wait: a minute',
      refusal(403),
      1,
      { kind: 'retry', waitMs: 60_000 }
    ],
    ['… then doubling', refusal(403), 3, { kind: 'retry', waitMs: 240_000 }],
    [
      '429 naming no wait',
      refusal(429, {}, 'Too Many Requests'),
      2,
      { kind: 'retry', waitMs: 120_000 }
    ],
    [
      'a primary limit reset far ahead: no job waits that long',
      refusal(
        403,
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 3600) },
        'API rate limit exceeded'
      ),
      1,
      {
        kind: 'give-up',
        why: 'rate limited until 2026-12-10T13:00:01.000Z, longer than a job waits'
      }
    ],
    [
      `refused ${MAX_ATTEMPTS} times`,
      refusal(403, { 'retry-after': '1' }),
      MAX_ATTEMPTS,
      { kind: 'give-up', why: `rate limited ${MAX_ATTEMPTS} times in a row` }
    ],
    [
      'a permission refused',
      refusal(403, {}, 'Resource not accessible by integration'),
      1,
      { kind: 'not-limited' }
    ],
    ['not found', refusal(404, { 'retry-after': '1' }, 'Not Found'), 1, { kind: 'not-limited' }],
    [
      'no answer at all',
      { status: undefined, headers: {}, message: 'ECONNRESET' },
      1,
      { kind: 'not-limited' }
    ]
  ])('%s', (_name, given, attempt, expected) => {
    expect(backoff(given, attempt, NOW, 10 * 60_000)).toEqual(expected)
  })

  it('gives up once the run has spent its waiting budget', () => {
    expect(backoff(refusal(403, { 'retry-after': '90' }), 1, NOW, 60_000)).toEqual({
      kind: 'give-up',
      why: 'rate limited, and the run has waited out its backoff budget'
    })
  })
})

describe('the client against an API that answers 403 with retry-after', () => {
  const serve = apiServerPerTest()
  afterEach(() => vi.unstubAllEnvs())

  const SHA = 'a'.repeat(40)
  const limited = (retryAfter: string): ApiReply => ({
    status: 403,
    body: { message: SECONDARY, documentation_url: 'https://docs.github.com/rest' },
    headers: { 'retry-after': retryAfter }
  })
  /** Refuses the first `times` calls, then answers as `handler` does. */
  const refusing = (times: number, handler: Handler): Handler => {
    let left = times
    return (request) => (left-- > 0 ? limited('1') : handler(request))
  }

  async function client(handlers: Record<string, Handler>, waits?: number[]) {
    const server = await serve(handlers)
    const event = readEvent(
      await runnerEnv({
        name: 'push',
        payload: pushPayload({ before: 'b'.repeat(40), after: SHA }),
        sha: SHA
      })
    )
    // A clock that moves only when the client sleeps: each wait is what it asked for.
    let clock = 0
    const sleep = waits
      ? async (ms: number) => {
          waits.push(ms)
          clock += ms
        }
      : undefined
    const options = sleep ? { sleep, now: () => clock } : {}
    return { server, api: createApi('test-token', event, undefined, options) }
  }

  it('waits as retry-after says, then writes: each Deployment and status made once', async () => {
    const state: WriteState = { comments: [], deployments: [] }
    const handlers = writeHandlers(state)
    const waits: number[] = []
    const { server, api } = await client(
      {
        ...handlers,
        'repos/create-deployment': refusing(2, handlers['repos/create-deployment'] as Handler),
        'repos/create-deployment-status': refusing(
          1,
          handlers['repos/create-deployment-status'] as Handler
        )
      },
      waits
    )
    const id = await api.createDeployment(SHA, 'prod', 'gitops-action: setup prod')
    await api.deploymentStatus(id, 'success', undefined, 'deployed')
    expect(server.requests.map((r) => [r.operationId, r.status])).toEqual([
      ['repos/create-deployment', 403],
      ['repos/create-deployment', 403],
      ['repos/create-deployment', 201],
      ['repos/create-deployment-status', 403],
      ['repos/create-deployment-status', 201]
    ])
    expect(waits).toEqual([1000, 1000, 1000])
    expect(state.deployments).toEqual([
      expect.objectContaining({
        environment: 'prod',
        statuses: [expect.objectContaining({ state: 'success' })]
      })
    ])
    expect(api.unwritten()).toEqual([])
    expect(server.violations).toEqual([])
  })

  it('really waits: a second, on the clock', async () => {
    const state: WriteState = { comments: [], deployments: [] }
    const handlers = writeHandlers(state)
    const { server, api } = await client({
      ...handlers,
      'repos/create-deployment': refusing(1, handlers['repos/create-deployment'] as Handler)
    })
    await api.createDeployment(SHA, 'prod', 'x')
    expect(server.requests.map((r) => r.status)).toEqual([403, 201])
  })

  it('a refusal pauses the other calls too, as GitHub asks', async () => {
    const state: WriteState = { comments: [], deployments: [] }
    const handlers = writeHandlers(state)
    const waits: number[] = []
    let clock = 0
    const event = readEvent(
      await runnerEnv({
        name: 'push',
        payload: pushPayload({ before: 'b'.repeat(40), after: SHA }),
        sha: SHA
      })
    )
    await serve({
      ...handlers,
      'repos/create-deployment': refusing(1, handlers['repos/create-deployment'] as Handler)
    })
    // A clock that only moves when the client sleeps: the second write finds the pause still on.
    const api = createApi('test-token', event, undefined, {
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms)
        if (waits.length > 1) clock += ms
      }
    })
    await api.createDeployment(SHA, 'a', 'x')
    await api.createDeployment(SHA, 'b', 'x')
    expect(waits).toEqual([1000, 1000])
  })

  it('refused to the end: the write fails saying why, and the client reports it unwritten', async () => {
    const waits: number[] = []
    const { server, api } = await client({ 'repos/create-deployment': () => limited('1') }, waits)
    const why = `creating a deployment to prod failed (HTTP 403): ${SECONDARY} - https://docs.github.com/rest (rate limited ${MAX_ATTEMPTS} times in a row)`
    await expect(api.createDeployment(SHA, 'prod', 'x')).rejects.toThrow(why)
    expect(server.requests).toHaveLength(MAX_ATTEMPTS)
    expect(waits).toHaveLength(MAX_ATTEMPTS - 1)
    expect(api.unwritten()).toEqual([why])
  })

  it('a refusal that is no rate limit is not retried, and a read is never unwritten', async () => {
    const waits: number[] = []
    const { server, api } = await client(
      {
        'repos/create-deployment': () => ({
          status: 403,
          body: { message: 'Resource not accessible by integration', documentation_url: 'x' }
        }),
        'issues/list-comments': () => limited('2'),
        'graphql/viewer': () => ({ status: 200, body: { data: { viewer: { login: 'x' } } } })
      },
      waits
    )
    await expect(api.createDeployment(SHA, 'prod', 'x')).rejects.toThrow(/HTTP 403/)
    await expect(api.listComments(7)).rejects.toThrow(/rate limited 4 times in a row/)
    expect(server.requests.map((r) => r.status)).toEqual([403, 403, 403, 403, 403])
    expect(waits).toEqual([2000, 2000, 2000])
    expect(api.unwritten()).toEqual([
      'creating a deployment to prod failed (HTTP 403): Resource not accessible by integration - x'
    ])
  })
})
