import { readdir, readFile, realpath, stat } from 'node:fs/promises'
import { isAbsolute, join, relative, sep } from 'node:path'

// The file tree of the checkout: the only I/O the planner needs. Paths are
// repository-relative and '/'-separated; `resolve` follows symlinks and says
// when a path leaves the repository.

export type Resolved =
  | { readonly ok: true; readonly path: string; readonly kind: 'file' | 'directory' }
  | { readonly ok: false; readonly reason: 'missing' | 'outside' }

export interface Checkout {
  readonly root: string
  /** Every file (symlinks to files included), except under `.git`. */
  listFiles(): Promise<readonly string[]>
  readText(path: string): Promise<string>
  resolve(path: string): Promise<Resolved>
}

export async function openCheckout(workspace: string): Promise<Checkout> {
  const realRoot = await realpath(workspace).catch(() => {
    throw new Error(`The workspace ${workspace} does not exist: check out the ops repository first (actions/checkout).`)
  })
  const resolved = new Map<string, Promise<Resolved>>()

  async function resolveOnce(path: string): Promise<Resolved> {
    let real: string
    try {
      real = await realpath(join(realRoot, path))
    } catch {
      return { ok: false, reason: 'missing' }
    }
    const inside = relative(realRoot, real)
    if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
      return { ok: false, reason: inside === '' ? 'missing' : 'outside' }
    }
    const info = await stat(real)
    return { ok: true, path: inside.split(sep).join('/'), kind: info.isDirectory() ? 'directory' : 'file' }
  }

  return {
    root: realRoot,
    listFiles: () => walk(realRoot, ''),
    readText: (path) => readFile(join(realRoot, path), 'utf8'),
    resolve(path) {
      let pending = resolved.get(path)
      if (!pending) {
        pending = resolveOnce(path)
        resolved.set(path, pending)
      }
      return pending
    }
  }
}

async function walk(root: string, prefix: string): Promise<string[]> {
  const entries = await readdir(join(root, prefix), { withFileTypes: true })
  const nested = await Promise.all(
    entries.map(async (entry): Promise<string[]> => {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name
      if (entry.isDirectory()) return entry.name === '.git' ? [] : walk(root, path)
      if (entry.isFile()) return [path]
      // A symlink counts when it points at a file; linked folders are not walked (no cycles).
      if (entry.isSymbolicLink()) {
        const info = await stat(join(root, path)).catch(() => undefined)
        return info?.isFile() ? [path] : []
      }
      return []
    })
  )
  return nested.flat()
}
