import { lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { isAbsolute, join, relative, sep } from 'node:path'
import { checkedOutTree, commitTexts, commitTree, materialiseCommit } from '../changes/tree.ts'
import type { CommitTree } from '../changes/tree.ts'

// The deployed commit as the planner sees it: the files git tracks at that commit
// (never untracked ones), with their sizes checked before they are read. Paths are
// repository-relative and '/'-separated; `resolve` follows symlinks and says when a
// path leaves the repository or is not part of the commit.
//
// Plan files come from git's objects, all in one read (a file each costs a system
// call or three, and a push may hold thousands); the rest is read from the checkout,
// synchronously: nothing else runs while the plan is made.

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
  /**
   * The commit's texts of those of `paths` it holds as regular files of at most
   * `maxBytes`, in one read of git's objects: for thousands of plans at once.
   */
  committedTexts(paths: readonly string[], maxBytes: number): Promise<ReadonlyMap<string, string>>
  /** A file's size in bytes (a tracked file's as the commit holds it), undefined when it is missing. */
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

/**
 * Commits' files, each written on first use into a folder of its own under `parent`
 * (private to the run), once however many ask: resolves to the folder.
 */
export function commitFolders(workspace: string, parent: string): (sha: string) => Promise<string> {
  const opened = new Map<string, Promise<string>>()
  return (sha) => {
    let found = opened.get(sha)
    if (!found) {
      const dir = join(parent, sha)
      mkdirSync(dir, { recursive: true, mode: 0o700 })
      found = openCommitCheckout(workspace, sha, dir).then((checkout) => checkout.root)
      opened.set(sha, found)
    }
    return found
  }
}

function checkoutOf(root: string, tree: CommitTree): Checkout {
  const regular = new Set<string>()
  const directories = new Set<string>()
  for (const [path, entry] of tree.entries) {
    if (entry.kind === 'file') regular.add(path)
    for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1))
      directories.add(path.slice(0, i))
  }
  const files = [...tree.entries]
    .filter(([path, entry]) => entry.kind === 'file' || linksToFile(join(root, path)))
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
    // The root is no file of the commit: through it, .git and untracked files are reachable.
    if (inside === '') return { ok: false, reason: 'untracked' }
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
      const before = this.sizeOf(path)
      if (before === undefined) return { ok: false, reason: 'missing' }
      if (before > maxBytes) return { ok: false, reason: 'too-large', bytes: before }
      let text: string
      try {
        text = readFileSync(join(root, path), 'utf8')
      } catch {
        return { ok: false, reason: 'missing' }
      }
      // The size checked was the commit's: a file an earlier step made larger is refused too.
      const bytes = Buffer.byteLength(text)
      return bytes > maxBytes ? { ok: false, reason: 'too-large', bytes } : { ok: true, text }
    },
    committedTexts: (paths, maxBytes) => commitTexts(root, tree, paths, maxBytes),
    sizeOf(path) {
      // A tracked file's size is known from the tree: thousands of plans cost no stat each.
      const entry = tree.entries.get(path)
      if (entry?.kind === 'file') return entry.bytes
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
        texts: (paths, maxBytes) => commitTexts(root, other, paths, maxBytes)
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
