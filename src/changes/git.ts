import { childEnv } from '../child-env.ts'
import { run, type RunOptions } from '../process.ts'
import type { ChangedPath, ChangeStatus } from '../types/changes.ts'

// Changed paths from git in the checkout: the first source, exact and complete.
// A shallow clone lacks the base commit; it is fetched from origin by SHA.

const FETCH_TIMEOUT_MS = 120_000
const LOCAL_TIMEOUT_MS = 30_000

export class GitError extends Error {}

/**
 * Where git runs: the checkout, and the run's cancellation. Only a fetch waits
 * on the network, so only a fetch is stopped by it: local commands finish in
 * moments, and a cancelled run still tells which plans it did not deploy.
 */
export interface Checkout {
  readonly workspace: string
  readonly signal?: AbortSignal
  /** Variables for git beside the defaults, e.g. a private GIT_INDEX_FILE. */
  readonly env?: Readonly<Record<string, string>>
}

type Reach = 'local' | 'network'

function gitOptions(at: Checkout, reach: Reach, input?: string): RunOptions {
  return {
    cwd: at.workspace,
    // Never wait for a password prompt on a runner.
    env: childEnv({ ...at.env, GIT_TERMINAL_PROMPT: '0' }),
    timeoutMs: reach === 'network' ? FETCH_TIMEOUT_MS : LOCAL_TIMEOUT_MS,
    signal: reach === 'network' ? at.signal : undefined,
    input
  }
}

/** git's answer, failed or not: for callers that read what a failure printed. */
export async function git(
  at: Checkout,
  args: readonly string[],
  reach: Reach = 'local',
  input?: string
) {
  const result = await run('git', args, gitOptions(at, reach, input))
  if (result.cancelled) throw new GitError(`git ${args[0]} stopped: the run was cancelled`)
  return { ok: result.code === 0, stdout: result.stdout, stderr: result.stderr.trim() }
}

export async function must(
  at: Checkout,
  args: readonly string[],
  reach?: Reach,
  input?: string
): Promise<string> {
  const result = await git(at, args, reach, input)
  if (!result.ok) throw new GitError(`git ${args[0]} failed: ${result.stderr || 'no output'}`)
  return result.stdout
}

/** Which of the commits the checkout lacks (one git call for all). */
async function missingCommits(at: Checkout, shas: readonly string[]): Promise<string[]> {
  const input = shas.map((sha) => `${sha}^{commit}\n`).join('')
  const result = await run('git', ['cat-file', '--batch-check'], gitOptions(at, 'local', input))
  const lines = result.stdout.split('\n')
  return shas.filter((_sha, i) => !/^[0-9a-f]{40} commit /.test(lines[i] ?? ''))
}

/** Makes sure the commits are in the checkout, fetching the missing ones (alone, in a shallow clone) from origin. */
async function ensureCommits(
  at: Checkout,
  shas: readonly string[],
  shallow: boolean
): Promise<void> {
  const missing = await missingCommits(at, shas)
  if (missing.length === 0) return
  const depth = shallow ? ['--depth=1'] : []
  const fetched = await git(
    at,
    ['fetch', '--no-tags', '--no-write-fetch-head', ...depth, 'origin', ...missing],
    'network'
  )
  const still = fetched.ok ? await missingCommits(at, missing) : missing
  if (still.length > 0) {
    throw new GitError(
      `commit ${still.join(', ')} is not in the checkout and could not be fetched from origin: ${fetched.stderr || 'origin does not have it'}`
    )
  }
}

/** The commit a pull request forked from; a merge commit's recorded parent needs no history. */
async function mergeBaseOf(
  at: Checkout,
  base: string,
  head: string,
  shallow: boolean
): Promise<string> {
  const raw = await must(at, ['cat-file', '-p', head])
  const parents = raw
    .split('\n')
    .filter((l) => l.startsWith('parent '))
    .map((l) => l.slice(7).trim())
  if (parents.includes(base)) return base
  let found = await git(at, ['merge-base', base, head])
  if (!found.ok && shallow) {
    await must(
      at,
      ['fetch', '--no-tags', '--no-write-fetch-head', '--unshallow', 'origin', base, head],
      'network'
    )
    found = await git(at, ['merge-base', base, head])
  }
  if (!found.ok) throw new GitError(`no merge base between ${base} and ${head}`)
  return found.stdout.trim()
}

const STATUS: Readonly<Record<string, ChangeStatus>> = {
  A: 'added',
  D: 'removed',
  M: 'modified',
  T: 'modified'
}

/** Parses `git diff --name-status -z --no-renames`: status NUL path NUL ... */
export function parseNameStatus(output: string): ChangedPath[] {
  const fields = output.split('\0')
  const paths: ChangedPath[] = []
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const code = (fields[i] as string).charAt(0)
    const status = STATUS[code]
    if (!status)
      throw new GitError(`unexpected git diff status '${fields[i]}' for ${fields[i + 1]}`)
    paths.push({ path: fields[i + 1] as string, status })
  }
  return paths
}

/**
 * The commit a preview renders as its base: where a pull request forked off its
 * base branch, else `base` itself; fetched from origin when the checkout lacks it.
 */
export async function diffBaseCommit(
  workspace: string,
  base: string,
  head: string,
  sinceMergeBase: boolean,
  signal?: AbortSignal
): Promise<string> {
  const at: Checkout = { workspace, signal }
  const repo = await must(at, ['rev-parse', '--is-shallow-repository'])
  const shallow = repo.trim() === 'true'
  await ensureCommits(at, base === head ? [head] : [head, base], shallow)
  return sinceMergeBase ? mergeBaseOf(at, base, head, shallow) : base
}

/**
 * The paths that differ between two commits. `sinceMergeBase` compares from where
 * head forked off base (a pull request); otherwise the two trees are compared
 * directly, so a force push also undoes what the old head had.
 */
export async function gitChanges(
  workspace: string,
  base: string,
  head: string,
  sinceMergeBase: boolean,
  signal?: AbortSignal
): Promise<ChangedPath[]> {
  const at: Checkout = { workspace, signal }
  const repo = await git(at, ['rev-parse', '--is-inside-work-tree', '--is-shallow-repository'])
  if (!repo.ok) throw new GitError(`${workspace} is not a git checkout`)
  const shallow = repo.stdout.split('\n')[1]?.trim() === 'true'
  await ensureCommits(at, base === head ? [head] : [head, base], shallow)
  const from = sinceMergeBase ? await mergeBaseOf(at, base, head, shallow) : base
  const out = await must(at, [
    '-c',
    'core.quotePath=false',
    'diff',
    '--no-ext-diff',
    '--no-textconv',
    '--name-status',
    '--no-renames',
    '-z',
    from,
    head,
    '--'
  ])
  return parseNameStatus(out)
}
