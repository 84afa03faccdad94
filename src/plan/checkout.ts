import { lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { isAbsolute, join, relative, sep } from 'node:path'
import { checkedOutTree, commitTexts, commitTree, materialiseCommit } from '../changes/tree.ts'
import type { CommitTree } from '../changes/tree.ts'

// The deployed commit as the planner sees it: the files git tracks at that commit
// (never untracked ones), read from the checkout with their size checked first.
// Paths are repository-relative and '/'-separated; `resolve` follows symlinks and
// says when a path leaves the repository or is not part of the commit.
//
// The file system is read synchronously: nothing else runs while the plan is
// made, and thousands of small reads through the thread pool cost ten times more
// (and the planner stays plain synchronous code).

export type Resolved =
  | { readonly ok: true; readonly path: string; readonly kind: 'file' | 'directory' }
  | { readonly ok: false; readonly reason: 'missing' | 'outside' | 'untracked' }

export type SymlinkScan =
  | { readonly ok: true; readonly links: readonly string[] }
  | { readonly ok: false; readonly limit: number }

export type FileText =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly reason: 'too-large'; readonly bytes: number }
  | { readonly ok: false; readonly reason: 'missing' }

/** Another commit's files (the diff base), to tell what it held. */
export interface CommitFiles {
  readonly files: readonly string[]
  /** Texts of those of `paths` that are at most `maxBytes`; larger ones are left out. */
  texts(paths: readonly string[], maxBytes: number): Promise<ReadonlyMap<string, string>>
}

export interface Checkout {
  readonly root: string
  /** Every file of the commit (symlinks to files included). */
  listFiles(): readonly string[]
  /** A file's text, refused without reading when it is larger than `maxBytes`. */
  readText(path: string, maxBytes: number): FileText
  /** A file's size in bytes, undefined when it is missing from the checkout. */
  sizeOf(path: string): number | undefined
  resolve(path: string): Resolved
  /** Symlinks on disk under a folder (tracked or not): helm would follow them. */
  symlinksUnder(dir: string): SymlinkScan
  /** The files of another commit, e.g. the diff base. */
  commitFiles(sha: string): Promise<CommitFiles>
}

/** Opens the checkout of `sha`; fails when the working tree is at another commit. */
export async function openCheckout(workspace: string, sha: string): Promise<Checkout> {
  let root: string
  try {
    root = realpathSync.native(workspace)
  } catch {
    throw new Error(
      `The workspace ${workspace} does not exist: check out the ops repository first (actions/checkout).`
    )
  }
  return checkoutOf(root, await checkedOutTree(root, sha))
}

/**
 * Another commit (a preview's diff base) as a checkout of its own: its files are
 * written into `dir`, a private empty folder, and read from there.
 */
export async function openCommitCheckout(
  workspace: string,
  sha: string,
  dir: string
): Promise<Checkout> {
  const tree = await materialiseCommit(workspace, sha, dir)
  const files = join(dir, 'files')
  // A commit without files writes nothing.
  mkdirSync(files, { recursive: true })
  return checkoutOf(realpathSync.native(files), tree)
}

function checkoutOf(root: string, tree: CommitTree): Checkout {
  const regular = new Set<string>()
  const directories = new Set<string>()
  for (const [path, kind] of tree.entries) {
    if (kind === 'file') regular.add(path)
    for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1))
      directories.add(path.slice(0, i))
  }
  const files = [...tree.entries]
    .filter(([path, kind]) => kind === 'file' || linksToFile(join(root, path)))
    .map(([path]) => path)
  const resolved = new Map<string, Resolved>()

  function resolveNow(path: string): Resolved {
    if (regular.has(path)) return { ok: true, path, kind: 'file' }
    let real: string
    try {
      real = realpathSync.native(join(root, path))
    } catch {
      return { ok: false, reason: 'missing' }
    }
    const inside = relative(root, real)
    if (inside === '') return { ok: false, reason: 'missing' }
    if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside))
      return { ok: false, reason: 'outside' }
    const repoPath = inside.split(sep).join('/')
    if (regular.has(repoPath)) return { ok: true, path: repoPath, kind: 'file' }
    if (directories.has(repoPath) && statSync(real).isDirectory())
      return { ok: true, path: repoPath, kind: 'directory' }
    return { ok: false, reason: 'untracked' }
  }

  return {
    root,
    listFiles: () => files,
    readText(path, maxBytes) {
      const bytes = this.sizeOf(path)
      if (bytes === undefined) return { ok: false, reason: 'missing' }
      if (bytes > maxBytes) return { ok: false, reason: 'too-large', bytes }
      return { ok: true, text: readFileSync(join(root, path), 'utf8') }
    },
    sizeOf(path) {
      try {
        return statSync(join(root, path)).size
      } catch {
        return undefined
      }
    },
    resolve(path) {
      let found = resolved.get(path)
      if (!found) {
        found = resolveNow(path)
        resolved.set(path, found)
      }
      return found
    },
    symlinksUnder: (dir) => symlinksUnder(root, dir),
    async commitFiles(sha) {
      const other = await commitTree(root, sha)
      return {
        files: [...other.entries.keys()],
        texts: (paths, maxBytes) => commitTexts(root, sha, paths, maxBytes)
      }
    }
  }
}

function linksToFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    // A dangling link is no file.
    return false
  }
}

/** Folders with more entries than this are no chart; the walk stops there. */
const MAX_CHART_ENTRIES = 20_000

function symlinksUnder(root: string, dir: string): SymlinkScan {
  const links: string[] = []
  let seen = 0
  const visit = (prefix: string): void => {
    for (const entry of readdirSync(join(root, prefix), { withFileTypes: true })) {
      if (++seen > MAX_CHART_ENTRIES) return
      const path = `${prefix}/${entry.name}`
      if (entry.isSymbolicLink()) links.push(path)
      else if (entry.isDirectory()) visit(path)
    }
  }
  if (lstatSync(join(root, dir)).isDirectory()) visit(dir)
  return seen > MAX_CHART_ENTRIES ? { ok: false, limit: MAX_CHART_ENTRIES } : { ok: true, links }
}

/** Why a file was not read, for an error that names it: "is 9 bytes; a plan file may be at most 4 bytes". */
export function unreadable(
  read: Extract<FileText, { ok: false }>,
  what: string,
  maxBytes: number
): string {
  return read.reason === 'too-large'
    ? `is ${read.bytes} bytes; ${what} may be at most ${maxBytes} bytes`
    : 'is in the commit but missing from the checkout (did an earlier step delete it?)'
}
