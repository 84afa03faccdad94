import { join } from 'node:path'
import { run } from '../process.ts'
import { GitError, must } from './git.ts'

// What a commit holds, from git: the plan set is the deployed commit's tree, never
// whatever else lies in the working directory (untracked files, a previous step's output).

/** A blob of a commit's tree: its object and, for a regular file, its size as git stores it. */
export type TreeEntry =
  | { readonly kind: 'file'; readonly object: string; readonly bytes: number }
  | { readonly kind: 'symlink'; readonly object: string }

export interface CommitTree {
  readonly sha: string
  /** Repository-relative path → blob; submodules are left out. */
  readonly entries: ReadonlyMap<string, TreeEntry>
}

const LOCAL_TIMEOUT_MS = 60_000

/** The tree of the commit checked out, after checking that it is the commit the event names. */
export async function checkedOutTree(workspace: string, sha: string): Promise<CommitTree> {
  // Both at once (each git process costs a fork); the checkout's commit is checked first.
  const [head, tree] = await Promise.allSettled([
    run('git', ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], {
      cwd: workspace,
      timeoutMs: LOCAL_TIMEOUT_MS
    }),
    commitTree(workspace, sha)
  ])
  if (head.status === 'rejected') throw head.reason
  if (head.value.code !== 0) {
    throw new GitError(
      `${workspace} is not a git checkout with a commit: check out the ops repository with actions/checkout before this action (plans are read from the commit, not from loose files).`
    )
  }
  const at = head.value.stdout.trim()
  if (at !== sha) {
    throw new GitError(
      `The checkout is at commit ${at}, not at the event's commit ${sha}: check out ${sha} before this action (actions/checkout without a ref does), so that what is deployed is the commit the event names.`
    )
  }
  if (tree.status === 'rejected') throw tree.reason
  return tree.value
}

/**
 * Writes every file of a commit into `dir` (an empty private folder) and returns
 * its tree. A private index (GIT_INDEX_FILE) keeps the checkout's own index and
 * working tree untouched; symlinks are written as symlinks, so the planner's
 * checks (nothing may lead out of the repository) hold for the base as for head.
 */
export async function materialiseCommit(
  workspace: string,
  sha: string,
  dir: string
): Promise<CommitTree> {
  const at = { workspace, env: { GIT_INDEX_FILE: join(dir, '.gitops-index') } }
  await must(at, ['read-tree', sha])
  await must(at, ['checkout-index', '--all', '--force', `--prefix=${dir}/files/`])
  return commitTree(workspace, sha)
}

/** Every blob of a commit's tree, with the sizes of its files (`git ls-tree -r -l`). */
export async function commitTree(workspace: string, sha: string): Promise<CommitTree> {
  const out = await must({ workspace }, ['ls-tree', '-r', '-l', '-z', '--full-tree', sha])
  return { sha, entries: parseLsTree(out) }
}

/** Parses `git ls-tree -r -l -z`: `<mode> <type> <object> <size>\t<path>` NUL ... */
export function parseLsTree(output: string): Map<string, TreeEntry> {
  const entries = new Map<string, TreeEntry>()
  for (const record of output.split('\0')) {
    if (record === '') continue
    const tab = record.indexOf('\t')
    // The size is right-aligned: split on runs of spaces.
    const [mode, , object, size] = record.slice(0, tab).split(/ +/) as [
      string,
      string,
      string,
      string
    ]
    const path = record.slice(tab + 1)
    if (mode === '100644' || mode === '100755')
      entries.set(path, { kind: 'file', object, bytes: Number(size) })
    else if (mode === '120000') entries.set(path, { kind: 'symlink', object })
  }
  return entries
}

/**
 * The texts of some files of a commit: those the tree holds as regular files of at
 * most `maxBytes` (the others are left out), read with one `cat-file`. Files with the
 * same text are one blob, read once for all their paths.
 */
export async function commitTexts(
  workspace: string,
  tree: CommitTree,
  paths: readonly string[],
  maxBytes: number
): Promise<Map<string, string>> {
  const texts = new Map<string, string>()
  const wanted = new Map<string, string[]>()
  for (const path of paths) {
    const entry = tree.entries.get(path)
    if (entry?.kind !== 'file' || entry.bytes > maxBytes) continue
    const same = wanted.get(entry.object)
    if (same) same.push(path)
    else wanted.set(entry.object, [path])
  }
  if (wanted.size === 0) return texts
  // A header no file line can be mistaken for, so the texts split without counting bytes.
  const marker = `gitops-blob-${Date.now().toString(36)}`
  const out = await must(
    { workspace },
    ['cat-file', `--batch=${marker} %(objectname)`],
    'local',
    [...wanted.keys()].map((o) => `${o}\n`).join('')
  )
  const header = new RegExp(`^${marker} ([0-9a-f]+)\\n`, 'gm')
  const found = [...out.matchAll(header)]
  found.forEach((match, i) => {
    const start = (match.index ?? 0) + match[0].length
    const end = i + 1 < found.length ? (found[i + 1]?.index ?? out.length) : out.length
    // cat-file ends each text with one newline of its own.
    const text = out.slice(start, end).replace(/\n$/, '')
    for (const path of wanted.get(match[1] as string) ?? []) texts.set(path, text)
  })
  return texts
}
