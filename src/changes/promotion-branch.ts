import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { git, GitError, must, type Checkout } from './git.ts'
import { commitTexts, commitTree } from './tree.ts'

// A promotion branch with git, in the checkout: its tip on origin and the files it
// changed, a commit of edited files on top of the deployed commit (made in a
// private index, so the working tree and the checkout's index stay as they are),
// and a forced push that holds only while origin still has the tip it was built
// against. Credentials are those actions/checkout left in the checkout's config.

/** Who the promotion commits are by: GitHub's own bot, shown as such in pull requests. */
const AUTHOR = {
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com'
}

/** The branch's tip on origin; undefined when origin has no such branch. */
export async function remoteTip(at: Checkout, branch: string): Promise<string | undefined> {
  const ref = `refs/heads/${branch}`
  const out = await must(at, ['ls-remote', '--heads', 'origin', ref], 'network')
  const line = out.split('\n').find((l) => l.endsWith(`\t${ref}`))
  return line?.slice(0, line.indexOf('\t'))
}

/** A branch's tip as promotion reads it: what it holds of some files, and which of them it changed. */
export interface BranchFiles {
  /** The commit the tip was made on; undefined when it has none (or the clone does not reach it). */
  readonly parent: string | undefined
  /** The texts at the tip of those of the asked paths it holds. */
  readonly texts: ReadonlyMap<string, string>
  /** The texts at the parent of the asked paths the tip changed. */
  readonly before: ReadonlyMap<string, string>
}

export async function branchFiles(
  at: Checkout,
  tip: string,
  paths: readonly string[],
  maxBytes: number
): Promise<BranchFiles> {
  const shallow = (await must(at, ['rev-parse', '--is-shallow-repository'])).trim() === 'true'
  if (!(await has(at, tip)))
    // The tip and the commit it was made on: enough to tell what it changed.
    await must(
      at,
      [
        'fetch',
        '--no-tags',
        '--no-write-fetch-head',
        ...(shallow ? ['--depth=2'] : []),
        'origin',
        tip
      ],
      'network'
    )
  const texts = commitTexts(at.workspace, await commitTree(at.workspace, tip), paths, maxBytes)
  const parent = await revision(at, `${tip}^1`)
  if (parent === undefined) return { parent, texts: await texts, before: new Map() }
  const changed = (
    await must(at, ['diff-tree', '-r', '--name-only', '--no-renames', '-z', parent, tip, '--'])
  )
    .split('\0')
    .filter((p) => p !== '')
  const asked = new Set(paths)
  const before = await commitTexts(
    at.workspace,
    await commitTree(at.workspace, parent),
    changed.filter((p) => asked.has(p)),
    maxBytes
  )
  const tipTexts = await texts
  // A path the tip changed but the parent lacked counts as changed too: its text before is ''.
  const all = new Map(
    changed.filter((p) => asked.has(p) && tipTexts.has(p)).map((p) => [p, before.get(p) ?? ''])
  )
  return { parent, texts: tipTexts, before: all }
}

/**
 * Whether `theirs` is a newer commit than `ours`: its descendant, or, where the
 * clone's history cannot tell (a shallow checkout), committed later.
 */
export async function isNewer(at: Checkout, theirs: string, ours: string): Promise<boolean> {
  if (theirs === ours) return false
  if (await ancestor(at, ours, theirs)) return true
  if (await ancestor(at, theirs, ours)) return false
  const times = (await must(at, ['show', '-s', '--format=%ct', theirs, ours, '--']))
    .trim()
    .split('\n')
    .map(Number)
  return (times[0] ?? 0) > (times[1] ?? 0)
}

/** A commit of `base` with `files` (path → text) written over it; returns its SHA. */
export async function commitFiles(
  at: Checkout,
  base: string,
  files: ReadonlyMap<string, string>,
  message: string
): Promise<string> {
  const dir = await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'gitops-promote-'))
  const index: Checkout = {
    ...at,
    env: {
      GIT_INDEX_FILE: join(dir, 'index'),
      GIT_AUTHOR_NAME: AUTHOR.name,
      GIT_AUTHOR_EMAIL: AUTHOR.email,
      GIT_COMMITTER_NAME: AUTHOR.name,
      GIT_COMMITTER_EMAIL: AUTHOR.email
    }
  }
  try {
    await must(index, ['read-tree', base])
    const modes = modesOf(await must(index, ['ls-files', '-s', '-z', '--', ...files.keys()]))
    for (const [path, text] of files) {
      const blob = (
        await must(index, ['hash-object', '-w', '--no-filters', '--stdin'], 'local', text)
      ).trim()
      await must(index, [
        'update-index',
        '--add',
        '--cacheinfo',
        `${modes.get(path) ?? '100644'},${blob},${path}`
      ])
    }
    const tree = (await must(index, ['write-tree'])).trim()
    return (
      await must(
        index,
        ['commit-tree', '--no-gpg-sign', tree, '-p', base, '-F', '-'],
        'local',
        message
      )
    ).trim()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export type PushOutcome =
  | { readonly kind: 'pushed' }
  /** Origin's branch is no longer at the tip it was built against (another run pushed). */
  | { readonly kind: 'rejected'; readonly reason: string }

/**
 * Pushes `commit` as the branch, forced, but only over `lease` (the tip it was built
 * against; undefined: only while origin has no such branch). No hook of the
 * checkout runs.
 */
export async function pushBranch(
  at: Checkout,
  commit: string,
  branch: string,
  lease: string | undefined
): Promise<PushOutcome> {
  const ref = `refs/heads/${branch}`
  const pushed = await git(
    at,
    [
      'push',
      '--porcelain',
      '--no-verify',
      `--force-with-lease=${ref}:${lease ?? ''}`,
      'origin',
      `${commit}:${ref}`
    ],
    'network'
  )
  if (pushed.ok) return { kind: 'pushed' }
  // `--porcelain` prints a refused ref as `!<tab>src:dst<tab>[rejected] (reason)`.
  const refused = pushed.stdout.split('\n').find((line) => line.startsWith('!'))
  if (refused) return { kind: 'rejected', reason: refused.split('\t').slice(2).join(' ').trim() }
  throw new GitError(`git push failed: ${pushed.stderr || 'no output'}`)
}

async function has(at: Checkout, commit: string): Promise<boolean> {
  return (await revision(at, `${commit}^{commit}`)) !== undefined
}

async function revision(at: Checkout, spec: string): Promise<string | undefined> {
  try {
    return (await must(at, ['rev-parse', '--verify', '--quiet', spec])).trim() || undefined
  } catch {
    return undefined
  }
}

async function ancestor(at: Checkout, older: string, newer: string): Promise<boolean> {
  try {
    await must(at, ['merge-base', '--is-ancestor', older, newer])
    return true
  } catch {
    return false
  }
}

/** `git ls-files -s -z`: `<mode> <object> <stage>\t<path>` NUL ... */
function modesOf(output: string): Map<string, string> {
  const modes = new Map<string, string>()
  for (const record of output.split('\0')) {
    const tab = record.indexOf('\t')
    if (tab > 0) modes.set(record.slice(tab + 1), record.slice(0, record.indexOf(' ')))
  }
  return modes
}
