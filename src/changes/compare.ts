import type { CompareFile, GitHubApi } from '../github/api.ts'
import type { ChangedPath } from '../types/changes.ts'
import { statusOf } from './payload.ts'

// Changed paths from the GitHub API, when the checkout cannot tell. The compare
// API lists what head changed since it forked from base, capped at 300 files; when
// it is capped, or the two commits diverged (a force push must also undo the old
// head), the two trees are compared instead.

export class CompareError extends Error {}

export function fromCompareFiles(files: readonly CompareFile[]): ChangedPath[] {
  const paths: ChangedPath[] = []
  for (const file of files) {
    switch (file.status) {
      case 'added':
      case 'copied':
        paths.push({ path: file.filename, status: 'added' })
        break
      case 'removed':
        paths.push({ path: file.filename, status: 'removed' })
        break
      case 'modified':
      case 'changed':
        paths.push({ path: file.filename, status: 'modified' })
        break
      case 'renamed':
        if (file.previousFilename) paths.push({ path: file.previousFilename, status: 'removed' })
        paths.push({ path: file.filename, status: 'added' })
        break
      case 'unchanged':
        break
      default:
        throw new CompareError(`unknown compare status '${file.status}' for ${file.filename}`)
    }
  }
  return paths
}

async function treeDiff(api: GitHubApi, from: string, head: string): Promise<ChangedPath[]> {
  const [before, after] = await Promise.all([api.tree(from), api.tree(head)])
  if (before.truncated || after.truncated)
    throw new CompareError('the repository tree is too large for the trees API')
  const old = new Map(before.files.map((f) => [f.path, f.sha]))
  const now = new Map(after.files.map((f) => [f.path, f.sha]))
  const paths: ChangedPath[] = []
  for (const path of new Set([...old.keys(), ...now.keys()])) {
    const status = statusOf(old.has(path), now.has(path))
    if (status === 'modified' && old.get(path) === now.get(path)) continue
    if (status) paths.push({ path, status })
  }
  return paths
}

export async function apiChanges(
  api: GitHubApi,
  base: string,
  head: string,
  sinceMergeBase: boolean
): Promise<ChangedPath[]> {
  const comparison = await api.compare(base, head)
  if (comparison.status === 'identical') return []
  const usable = comparison.complete && (sinceMergeBase || comparison.status === 'ahead')
  if (usable) return fromCompareFiles(comparison.files)
  return treeDiff(api, sinceMergeBase ? comparison.mergeBase : base, head)
}
