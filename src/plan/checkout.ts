import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs'
import { isAbsolute, join, relative, sep } from 'node:path'

// The file tree of the checkout: the only I/O the planner needs. Paths are
// repository-relative and '/'-separated; `resolve` follows symlinks and says
// when a path leaves the repository.
//
// The file system is read synchronously: nothing else runs while the plan is
// made, and thousands of small reads through the thread pool cost ten times more
// (and the planner stays plain synchronous code).

export type Resolved =
  | { readonly ok: true; readonly path: string; readonly kind: 'file' | 'directory' }
  | { readonly ok: false; readonly reason: 'missing' | 'outside' }

export interface Checkout {
  readonly root: string
  /** Every file (symlinks to files included), except under `.git`. */
  listFiles(): readonly string[]
  readText(path: string): string
  resolve(path: string): Resolved
}

export async function openCheckout(workspace: string): Promise<Checkout> {
  let root: string
  try {
    root = realpathSync.native(workspace)
  } catch {
    throw new Error(
      `The workspace ${workspace} does not exist: check out the ops repository first (actions/checkout).`
    )
  }
  const { files, regular } = walk(root)
  const resolved = new Map<string, Resolved>()

  function resolveNow(path: string): Resolved {
    // The walk never enters linked folders, so a regular file it listed is inside.
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
    return {
      ok: true,
      path: inside.split(sep).join('/'),
      kind: statSync(real).isDirectory() ? 'directory' : 'file'
    }
  }

  return {
    root,
    listFiles: () => files,
    readText: (path) => readFileSync(join(root, path), 'utf8'),
    resolve(path) {
      let found = resolved.get(path)
      if (!found) {
        found = resolveNow(path)
        resolved.set(path, found)
      }
      return found
    }
  }
}

function walk(root: string): { files: string[]; regular: Set<string> } {
  const files: string[] = []
  const regular = new Set<string>()
  const visit = (prefix: string): void => {
    for (const entry of readdirSync(join(root, prefix), { withFileTypes: true })) {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name
      if (entry.isDirectory()) {
        if (entry.name !== '.git') visit(path)
      } else if (entry.isFile()) {
        files.push(path)
        regular.add(path)
      } else if (entry.isSymbolicLink()) {
        // A symlink counts when it points at a file; linked folders are not walked (no cycles).
        try {
          if (statSync(join(root, path)).isFile()) files.push(path)
        } catch {
          // A dangling link is no file.
        }
      }
    }
  }
  visit('')
  return { files, regular }
}
