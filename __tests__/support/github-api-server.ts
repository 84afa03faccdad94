import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { Ajv } from 'ajv'
import type { ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { git } from './git-repo.ts'

// A local stand-in for api.github.com that answers the REST calls the action makes.
// Every request (path, method, path and query parameters) and every response
// (status, JSON body) is checked against GitHub's published OpenAPI description
// (@octokit/openapi); a mismatch is recorded in `violations`, which tests assert
// empty. Responses start from the description's own examples, patched. GraphQL is
// outside that description: the one query the action sends (who the token is) is
// answered by the handler `graphql/viewer`, and any other query is a violation.

const require = createRequire(import.meta.url)
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any
const spec: Json = require('@octokit/openapi/generated/api.github.com.json')
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true })
addFormats(ajv)
// GitHub's own format of `owner/name` (pull requests' head_repo).
ajv.addFormat('repo.nwo', /^[^/]+\/[^/]+$/)
// The description is OpenAPI 3.0: `nullable` becomes a JSON Schema null type, and
// $refs point into the registered document.
ajv.addSchema({ $id: 'github', components: { schemas: toJsonSchema(spec.components.schemas) } })
const compiled = new Map<string, ValidateFunction>()

function validator(pointer: string, schema: Json): ValidateFunction {
  let fn = compiled.get(pointer)
  if (!fn) {
    fn = ajv.compile(toJsonSchema(schema))
    compiled.set(pointer, fn)
  }
  return fn
}

function toJsonSchema(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(toJsonSchema)
  if (!schema || typeof schema !== 'object') return schema
  const out: Json = {}
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'nullable') continue
    out[key] =
      key === '$ref' && typeof value === 'string' && value.startsWith('#/')
        ? `github${value}`
        : toJsonSchema(value)
  }
  if (schema.nullable !== true) return out
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null']
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null]
    return out
  }
  return { anyOf: [out, { type: 'null' }] }
}

function deref(value: Json): Json {
  if (value && typeof value === 'object' && typeof value.$ref === 'string') {
    const target = (value.$ref as string)
      .slice(2)
      .split('/')
      .reduce((node: Json, key: string) => node?.[key], spec)
    return deref(target)
  }
  return value
}

interface Operation {
  readonly id: string
  readonly method: string
  readonly template: string
  readonly pattern: RegExp
  readonly names: readonly string[]
  readonly op: Json
}

const operations: Operation[] = Object.entries(spec.paths as Record<string, Json>).flatMap(
  ([template, item]) =>
    Object.entries(item)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, op]) => {
        const names: string[] = []
        const pattern = new RegExp(
          `^${template
            .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
            .replace(/\{([^}]+)\}/g, (_m, name: string) => {
              names.push(name)
              // basehead and refs may hold '/'.
              return name === 'basehead' || name === 'ref' ? '(.+)' : '([^/]+)'
            })}$`
        )
        return {
          id: (op as Json).operationId as string,
          method: method.toUpperCase(),
          template,
          pattern,
          names,
          op
        }
      })
)

/** An example body from the description, deep-copied, for handlers to patch. */
export function specExample(name: string): Json {
  const example = spec.components.examples[name]
  if (!example) throw new Error(`no example ${name} in the OpenAPI description`)
  return structuredClone(example.value)
}

export interface ApiRequest {
  readonly operationId: string
  readonly params: Readonly<Record<string, string>>
  readonly query: Readonly<Record<string, string>>
  readonly headers: IncomingMessage['headers']
  /** The JSON body of a POST/PATCH, checked against the description's request body. */
  readonly body: Json
}

export interface ApiReply {
  readonly status: number
  readonly body: Json
  readonly headers?: Readonly<Record<string, string>>
}

export type Handler = (request: ApiRequest) => ApiReply | Promise<ApiReply>
export type Handlers = Readonly<Record<string, Handler>>

export interface RecordedRequest {
  readonly method: string
  readonly url: string
  readonly operationId: string | undefined
  readonly status: number
}

export interface GitHubApiServer {
  /** Set GITHUB_API_URL to this. */
  readonly url: string
  readonly requests: RecordedRequest[]
  /** Every way a request or response strayed from the OpenAPI description. */
  readonly violations: string[]
  close(): Promise<void>
}

const notFound = (message = 'Not Found'): ApiReply => ({
  status: 404,
  body: { message, documentation_url: 'https://docs.github.com/rest' }
})

/** Starts the server on 127.0.0.1 with handlers keyed by operationId (e.g. 'git/get-tree'). */
export async function startGitHubApiServer(handlers: Handlers): Promise<GitHubApiServer> {
  const requests: RecordedRequest[] = []
  const violations: string[] = []

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const path = decodeURIComponent(url.pathname)
    const method = req.method ?? 'GET'
    const graphqlCall = method === 'POST' && path === '/graphql'
    const match = graphqlCall
      ? undefined
      : operations.find((o) => o.method === method && o.pattern.test(path))
    let reply: ApiReply
    if (graphqlCall) {
      reply = await graphql(req, handlers, violations)
    } else if (!match) {
      violations.push(`${method} ${path}: no such operation in the OpenAPI description`)
      reply = notFound()
    } else {
      const values = (match.pattern.exec(path) as RegExpExecArray).slice(1)
      const params = Object.fromEntries(match.names.map((n, i) => [n, values[i] as string]))
      const query = Object.fromEntries(url.searchParams.entries())
      const body = await readBody(req)
      checkRequest(match, params, query, req, violations)
      checkRequestBody(match, body, violations)
      const handler = handlers[match.id]
      reply = handler
        ? await handler({ operationId: match.id, params, query, headers: req.headers, body })
        : notFound()
      checkResponse(match, reply, violations)
    }
    requests.push({
      method,
      url: `${url.pathname}${url.search}`,
      operationId: graphqlCall ? 'graphql/viewer' : match?.id,
      status: reply.status
    })
    res.writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      ...reply.headers
    })
    res.end(JSON.stringify(reply.body))
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      violations.push(`handler failed: ${error.message}`)
      res.writeHead(500).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    violations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** `viewer { login }`, however it is spaced, with or without an operation name. */
const VIEWER_QUERY = /^\s*(query(\s+\w+)?\s*)?\{\s*viewer\s*\{\s*login\s*\}\s*\}\s*$/

async function graphql(
  req: IncomingMessage,
  handlers: Handlers,
  violations: string[]
): Promise<ApiReply> {
  const body = await readBody(req)
  const auth = req.headers.authorization
  if (!auth || !/^(token|Bearer) \S+$/.test(auth))
    violations.push('POST /graphql: no token in the Authorization header')
  const handler = handlers['graphql/viewer']
  if (typeof body?.query !== 'string' || !VIEWER_QUERY.test(body.query) || !handler) {
    violations.push(`POST /graphql: a query this stand-in does not know: ${JSON.stringify(body)}`)
    return { status: 200, body: { errors: [{ message: 'unknown query' }] } }
  }
  const reply = await handler({
    operationId: 'graphql/viewer',
    params: {},
    query: {},
    headers: req.headers,
    body
  })
  if (reply.status === 200 && typeof reply.body?.data?.viewer?.login !== 'string')
    violations.push(`POST /graphql: viewer without a login: ${JSON.stringify(reply.body)}`)
  return reply
}

function coerce(value: string, schema: Json): unknown {
  if (schema?.type === 'integer' || schema?.type === 'number')
    return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value
  if (schema?.type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value
  return value
}

function checkRequest(
  operation: Operation,
  params: Record<string, string>,
  query: Record<string, string>,
  req: IncomingMessage,
  violations: string[]
): void {
  const where = `${operation.method} ${operation.template}`
  const declared: Json[] = (operation.op.parameters ?? []).map(deref)
  for (const p of declared) {
    const value = p.in === 'path' ? params[p.name] : p.in === 'query' ? query[p.name] : undefined
    if (p.in !== 'path' && p.in !== 'query') continue
    if (value === undefined) {
      if (p.required) violations.push(`${where}: missing required ${p.in} parameter ${p.name}`)
      continue
    }
    const check = validator(`${operation.id}:${p.in}:${p.name}`, p.schema)
    if (!check(coerce(value, p.schema))) {
      violations.push(
        `${where}: ${p.in} parameter ${p.name}=${value}: ${ajv.errorsText(check.errors)}`
      )
    }
  }
  for (const name of Object.keys(query)) {
    if (!declared.some((p) => p.in === 'query' && p.name === name))
      violations.push(`${where}: unknown query parameter ${name}`)
  }
  const auth = req.headers.authorization
  if (!auth || !/^(token|Bearer) \S+$/.test(auth))
    violations.push(`${where}: no token in the Authorization header`)
}

async function readBody(req: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  return text ? JSON.parse(text) : undefined
}

function checkRequestBody(operation: Operation, body: Json, violations: string[]): void {
  const where = `${operation.method} ${operation.template} request body`
  const schema = deref(operation.op.requestBody)?.content?.['application/json']?.schema
  if (!schema) {
    if (body !== undefined) violations.push(`${where}: the operation takes no body`)
    return
  }
  const check = validator(`${operation.id}:request`, schema)
  if (!check(body))
    violations.push(`${where}: ${ajv.errorsText(check.errors, { separator: '; ' })}`)
}

function checkResponse(operation: Operation, reply: ApiReply, violations: string[]): void {
  const where = `${operation.method} ${operation.template} → ${reply.status}`
  const documented = deref(operation.op.responses?.[String(reply.status)])
  // GitHub answers errors the description leaves out (403 without `actions: read`): they carry a basic-error.
  const schema =
    documented?.content?.['application/json']?.schema ??
    (reply.status >= 400 ? { $ref: '#/components/schemas/basic-error' } : undefined)
  if (!documented && reply.status < 400) {
    violations.push(`${where}: status not in the OpenAPI description`)
    return
  }
  if (!schema) return
  const check = validator(`${operation.id}:response:${reply.status}`, schema)
  if (!check(reply.body))
    violations.push(`${where}: body: ${ajv.errorsText(check.errors, { separator: '; ' })}`)
}

// ---- Handlers that answer from a real git repository (the bare origin of a test) ----

export interface FakeRun {
  readonly id: number
  readonly runNumber: number
  readonly headSha: string
  readonly branch?: string
  readonly event?: string
  /** null while the run is not completed. */
  readonly conclusion: 'success' | 'failure' | 'cancelled' | 'skipped' | null
}

export interface RepositoryState {
  /** The bare origin the compare and trees answers are computed from. */
  readonly origin: string
  readonly runs?: readonly FakeRun[]
  /** GitHub lists at most 300 files in a comparison. */
  readonly filesCap?: number
}

const gitOut = (cwd: string, ...args: string[]): Promise<string | undefined> =>
  git(cwd, ...args).then(
    (out) => out,
    () => undefined
  )

const COMPARE_STATUS: Readonly<Record<string, string>> = {
  A: 'added',
  D: 'removed',
  M: 'modified',
  T: 'changed',
  R: 'renamed',
  C: 'copied'
}

export function repositoryHandlers(state: RepositoryState): Handlers {
  return {
    'actions/list-workflow-runs': ({ query }) => {
      const template = specExample('workflow-run-paginated').workflow_runs[0]
      const matching = [...(state.runs ?? [])]
        .filter((r) => !query.branch || (r.branch ?? 'main') === query.branch)
        .filter((r) => !query.event || (r.event ?? 'push') === query.event)
        .filter(
          (r) =>
            !query.status ||
            r.conclusion === query.status ||
            (query.status === 'completed' && r.conclusion !== null)
        )
        .sort((a, b) => b.id - a.id)
      const perPage = Number(query.per_page ?? 30)
      const page = Number(query.page ?? 1)
      const runs = matching.slice((page - 1) * perPage, page * perPage).map((r) => ({
        ...structuredClone(template),
        id: r.id,
        run_number: r.runNumber,
        head_sha: r.headSha,
        head_branch: r.branch ?? 'main',
        event: r.event ?? 'push',
        status: r.conclusion === null ? 'in_progress' : 'completed',
        conclusion: r.conclusion
      }))
      return { status: 200, body: { total_count: matching.length, workflow_runs: runs } }
    },

    'repos/compare-commits-with-basehead': async ({ params, query }) => {
      const [base, head] = params.basehead?.split('...') ?? []
      const { origin } = state
      if (!base || !head) return notFound()
      const exists = async (sha: string) =>
        (await gitOut(origin, 'cat-file', '-t', sha)) === 'commit'
      if (!(await exists(base)) || !(await exists(head))) return notFound()
      const mergeBase = await gitOut(origin, 'merge-base', base, head)
      if (!mergeBase) return notFound('No common ancestor between the commits')
      const ahead =
        (await gitOut(origin, 'rev-list', '--reverse', `${base}..${head}`))
          ?.split('\n')
          .filter(Boolean) ?? []
      const behind = Number(await gitOut(origin, 'rev-list', '--count', `${head}..${base}`))
      const status =
        ahead.length === 0 && behind === 0
          ? 'identical'
          : behind === 0
            ? 'ahead'
            : ahead.length === 0
              ? 'behind'
              : 'diverged'
      const paged = query.page !== undefined || query.per_page !== undefined
      const perPage = Number(query.per_page ?? 250)
      const page = Number(query.page ?? 1)
      const example = specExample('commit-comparison')
      const commitOf = (sha: string) => ({
        ...structuredClone(example.commits[0]),
        sha,
        node_id: sha
      })
      const diff =
        (await gitOut(origin, 'diff', '--name-status', '-M', '-z', mergeBase, head)) ?? ''
      const fields = diff.split('\0').filter((f) => f !== '')
      const files: Json[] = []
      for (let i = 0; i < fields.length;) {
        const code = (fields[i++] as string).charAt(0)
        const previous = code === 'R' || code === 'C' ? fields[i++] : undefined
        const filename = fields[i++] as string
        files.push({
          ...structuredClone(example.files[0]),
          filename,
          status: COMPARE_STATUS[code],
          ...(previous ? { previous_filename: previous } : {})
        })
      }
      return {
        status: 200,
        body: {
          ...example,
          base_commit: commitOf(base),
          merge_base_commit: commitOf(mergeBase),
          status,
          ahead_by: ahead.length,
          behind_by: behind,
          total_commits: ahead.length,
          commits: (paged
            ? ahead.slice((page - 1) * perPage, page * perPage)
            : ahead.slice(-250)
          ).map(commitOf),
          // Files only come with the first page, cut at the cap.
          files: page === 1 ? files.slice(0, state.filesCap ?? 300) : []
        }
      }
    },

    'git/get-tree': async ({ params, query }) => {
      const recursive = query.recursive !== undefined
      const out = await gitOut(
        state.origin,
        'ls-tree',
        '-z',
        '-l',
        ...(recursive ? ['-r', '-t'] : []),
        params.tree_sha as string
      )
      if (out === undefined) return notFound()
      const example = specExample('git-tree-response-recursively-retrieving-a-tree')
      const entries = out
        .split('\0')
        .filter(Boolean)
        .map((line) => {
          const [meta, path] = line.split('\t') as [string, string]
          const [mode, type, sha, size] = meta.split(/\s+/) as [string, string, string, string]
          return {
            path,
            mode,
            type,
            sha,
            ...(type === 'blob' ? { size: Number(size) } : {}),
            url: `${example.tree[0].url}`
          }
        })
      return {
        status: 200,
        body: { ...example, sha: params.tree_sha, tree: entries, truncated: false }
      }
    }
  }
}

// ---- Pull request comments and Deployments, kept in memory ----

export interface FakeComment {
  readonly id: number
  /** The pull request (issue) number it is on; 7 when left out. */
  readonly issue?: number
  /** Who wrote it; the token's own identity when left out. */
  readonly author?: string
  body: string
}

export interface FakeDeployment {
  readonly id: number
  readonly ref: string
  readonly environment: string
  readonly statuses: { state: string; log_url?: string; description?: string }[]
}

export interface WriteState {
  readonly comments: FakeComment[]
  readonly deployments: FakeDeployment[]
  /** Answer every write with 403, as GitHub does for a read-only token (a fork's pull request). */
  forbidden?: boolean
  /**
   * Who the token is (GraphQL `viewer.login`): `github-actions[bot]` when left out
   * (GITHUB_TOKEN); `<app-slug>[bot]` for a GitHub App's token, a login for a user's.
   */
  viewer?: string
}

/** GitHub's answer to a token without the permission. */
export const forbidden = (): ApiReply => ({
  status: 403,
  body: {
    message: 'Resource not accessible by integration',
    documentation_url: 'https://docs.github.com/rest'
  }
})

/** The job's GITHUB_TOKEN, as GraphQL `viewer.login` names it. */
export const GITHUB_TOKEN_LOGIN = 'github-actions[bot]'

/** The description's example user, renamed to `login`. */
function userNamed(example: Json, login: string): Json {
  // Bots (an App's installation, GITHUB_TOKEN's github-actions) have logins ending in [bot].
  return { ...example, login, type: login.endsWith('[bot]') ? 'Bot' : 'User' }
}

/** GraphQL `viewer { login }`: who the token is. */
const viewerHandler =
  (login: string): Handler =>
  () => ({ status: 200, body: { data: { viewer: { login } } } })

export function writeHandlers(state: WriteState): Handlers {
  let next = 1000
  const viewer = state.viewer ?? GITHUB_TOKEN_LOGIN
  const commentOf = (c: FakeComment) => {
    const example = specExample('issue-comment')
    return { ...example, id: c.id, body: c.body, user: userNamed(example.user, c.author ?? viewer) }
  }
  return {
    'graphql/viewer': viewerHandler(viewer),
    'issues/list-comments': ({ params, query }) => {
      const perPage = Number(query.per_page ?? 30)
      const page = Number(query.page ?? 1)
      const onIssue = state.comments.filter((c) => (c.issue ?? 7) === Number(params.issue_number))
      return {
        status: 200,
        body: onIssue.slice((page - 1) * perPage, page * perPage).map(commentOf)
      }
    },
    'issues/create-comment': ({ params, body }) => {
      if (state.forbidden) return forbidden()
      const comment = {
        id: next++,
        issue: Number(params.issue_number),
        author: viewer,
        body: body.body as string
      }
      state.comments.push(comment)
      return { status: 201, body: commentOf(comment) }
    },
    'issues/update-comment': ({ params, body }) => {
      if (state.forbidden) return forbidden()
      const comment = state.comments.find((c) => c.id === Number(params.comment_id))
      if (!comment) return notFound()
      comment.body = body.body as string
      return { status: 200, body: commentOf(comment) }
    },
    'repos/create-deployment': ({ body }) => {
      if (state.forbidden) return forbidden()
      const deployment = {
        id: next++,
        ref: body.ref as string,
        environment: body.environment as string,
        statuses: []
      }
      state.deployments.push(deployment)
      return {
        status: 201,
        body: {
          ...specExample('deployment'),
          id: deployment.id,
          ref: deployment.ref,
          environment: deployment.environment
        }
      }
    },
    'repos/create-deployment-status': ({ params, body }) => {
      if (state.forbidden) return forbidden()
      const deployment = state.deployments.find((d) => d.id === Number(params.deployment_id))
      if (!deployment) return notFound()
      deployment.statuses.push({
        state: body.state as string,
        log_url: body.log_url as string | undefined,
        description: body.description as string | undefined
      })
      return {
        status: 201,
        body: {
          ...specExample('deployment-status'),
          state: body.state,
          environment: deployment.environment
        }
      }
    }
  }
}

// ---- Issues, kept in memory ----

export interface FakeIssue {
  number: number
  title: string
  body: string
  state: 'open' | 'closed'
  labels: string[]
  pullRequest?: boolean
  /** Who opened it; the token's own identity when left out. */
  author?: string
}

/**
 * Handlers for listing, opening and editing issues, over `issues` (changed in place),
 * and for who the token is (`viewer`, GITHUB_TOKEN's when left out).
 */
export function issueHandlers(issues: FakeIssue[], viewer = GITHUB_TOKEN_LOGIN): Handlers {
  const asJson = (issue: FakeIssue): Json => {
    const { pull_request: _pr, ...example } = specExample('issue')
    return {
      ...example,
      number: issue.number,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      user: userNamed(example.user, issue.author ?? viewer),
      labels: issue.labels.map((name, i) => ({ ...example.labels[0], id: i + 1, name })),
      ...(issue.pullRequest ? { pull_request: _pr } : {})
    }
  }
  return {
    'graphql/viewer': viewerHandler(viewer),
    'issues/list-for-repo': ({ query }) => {
      const labels = query.labels?.split(',') ?? []
      const matching = issues.filter(
        (i) =>
          (query.state ?? 'open') === i.state && labels.every((label) => i.labels.includes(label))
      )
      const perPage = Number(query.per_page ?? 30)
      const page = Number(query.page ?? 1)
      return {
        status: 200,
        body: matching.slice((page - 1) * perPage, page * perPage).map(asJson)
      }
    },
    'issues/create': ({ body }) => {
      const issue: FakeIssue = {
        number: issues.length + 1,
        title: String(body.title),
        body: String(body.body ?? ''),
        state: 'open',
        labels: (body.labels ?? []) as string[],
        author: viewer
      }
      issues.push(issue)
      return { status: 201, body: asJson(issue) }
    },
    'issues/update': ({ params, body }) => {
      const issue = issues.find((i) => i.number === Number(params.issue_number))
      if (!issue) return notFound()
      if (typeof body.body === 'string') issue.body = body.body
      if (body.state === 'open' || body.state === 'closed') issue.state = body.state
      return { status: 200, body: asJson(issue) }
    }
  }
}

// ---- Pull requests, kept in memory ----

export interface FakePullRequest {
  readonly number: number
  /** The branch it merges from (this repository's). */
  readonly head: string
  base: string
  title: string
  body: string
  state: 'open' | 'closed'
  merged?: boolean
}

export interface PullState {
  readonly pulls: FakePullRequest[]
  /** Answer creating and editing with 403, as GitHub does for a token without pull-requests: write. */
  forbidden?: boolean
}

/** Listing (by head and state), opening and editing pull requests, over `state.pulls` (changed in place). */
export function pullRequestHandlers(state: PullState, owner = 'octo-org'): Handlers {
  const asJson = (pr: FakePullRequest, example: Json): Json => ({
    ...example,
    number: pr.number,
    html_url: `https://github.com/${owner}/ops/pull/${pr.number}`,
    state: pr.state,
    title: pr.title,
    body: pr.body,
    merged_at: pr.merged ? '2026-01-02T03:04:05Z' : null,
    closed_at: pr.state === 'closed' ? '2026-01-02T03:04:05Z' : null,
    // The description's example team lacks the `type` its own schema requires.
    requested_teams: [],
    head: { ...example.head, ref: pr.head, label: `${owner}:${pr.head}` },
    base: { ...example.base, ref: pr.base, label: `${owner}:${pr.base}` }
  })
  const full = (pr: FakePullRequest): Json => ({
    ...asJson(pr, specExample('pull-request')),
    merged: pr.merged === true
  })
  return {
    'pulls/list': ({ query }) => {
      const wanted = query.state ?? 'open'
      const matching = state.pulls
        .filter((pr) => !query.head || `${owner}:${pr.head}` === query.head)
        .filter((pr) => wanted === 'all' || pr.state === wanted)
        .sort((a, b) => b.number - a.number)
      const perPage = Number(query.per_page ?? 30)
      const page = Number(query.page ?? 1)
      const example = specExample('pull-request-simple-items')[0]
      return {
        status: 200,
        body: matching.slice((page - 1) * perPage, page * perPage).map((pr) => asJson(pr, example))
      }
    },
    'pulls/create': ({ body }) => {
      if (state.forbidden) return forbidden()
      const pr: FakePullRequest = {
        number: state.pulls.length + 1,
        head: String(body.head),
        base: String(body.base),
        title: String(body.title),
        body: String(body.body ?? ''),
        state: 'open'
      }
      state.pulls.push(pr)
      return { status: 201, body: full(pr) }
    },
    'pulls/update': ({ params, body }) => {
      if (state.forbidden) return forbidden()
      const pr = state.pulls.find((p) => p.number === Number(params.pull_number))
      if (!pr) return notFound()
      if (typeof body.title === 'string') pr.title = body.title
      if (typeof body.body === 'string') pr.body = body.body
      if (typeof body.base === 'string') pr.base = body.base
      return { status: 200, body: full(pr) }
    }
  }
}
