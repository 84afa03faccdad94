import type { GitHubApi, IssueComment } from './api.ts'
import { ApiError } from './api.ts'
import { writtenBy } from './authorship.ts'
import { errorMessage } from '../error-message.ts'

// The one sticky pull request comment of a workflow: found by a hidden marker in
// its first line and by its author, the token's own identity; created once, then
// edited in place on every push. Anyone may comment, and the marker is no secret:
// another account's comment carrying it is never edited. A token that may not
// write (a fork's pull request, no `pull-requests: write`) is no failure: the diff
// stays in the job summary and a notice says why.

export type CommentOutcome =
  | { readonly kind: 'created' | 'updated'; readonly id: number }
  | { readonly kind: 'skipped'; readonly reason: string }
  /** Nothing to say and no comment to correct. */
  | { readonly kind: 'none' }

/** The hidden first line that tells this workflow's comment from any other. */
export function commentMarker(workflowFile: string | undefined): string {
  return `<!-- gitops-action diff ${(workflowFile ?? 'workflow').replace(/--/g, '- -')} -->`
}

/** The first comment this token wrote under the marker, if any. */
export function ownComment(
  comments: readonly IssueComment[],
  marker: string,
  identity: string
): IssueComment | undefined {
  return comments.find((c) => writtenBy(c, identity) && c.body.split('\n', 1)[0] === marker)
}

/** Where a sticky comment lives: a pull request's conversation, or a commit. */
export interface CommentThread {
  /** What the comment holds and where, for the notice when it cannot be written. */
  readonly posted: string
  /** Why a token may be refused there. */
  readonly refused: string
  list(): Promise<IssueComment[]>
  create(body: string): Promise<IssueComment>
  update(id: number, body: string): Promise<IssueComment>
}

export function pullRequestThread(api: GitHubApi, issue: number): CommentThread {
  return {
    posted: 'The diff was not posted as a pull request comment',
    refused:
      'the token may not comment on this pull request (a pull request from a fork, or a workflow without `permissions: pull-requests: write`)',
    list: () => api.listComments(issue),
    create: (body) => api.createComment(issue, body),
    update: (id, body) => api.updateComment(id, body)
  }
}

/** A fleet report's comment on the commit it deployed: re-runs edit it. */
export function commitThread(api: GitHubApi, sha: string): CommentThread {
  return {
    posted: 'The report was not posted as a commit comment',
    refused:
      'the token may not comment on commits (a workflow without `permissions: contents: write`)',
    list: () => api.listCommitComments(sha),
    create: (body) => api.createCommitComment(sha, body),
    update: (id, body) => api.updateCommitComment(id, body)
  }
}

export async function upsertComment(
  api: GitHubApi,
  /** A pull request's number, or another thread. */
  where: number | CommentThread,
  marker: string,
  body: string,
  /** False when no plan is affected: an earlier comment is corrected, none is started. */
  create = true
): Promise<CommentOutcome> {
  const thread = typeof where === 'number' ? pullRequestThread(api, where) : where
  try {
    const [identity, comments] = await Promise.all([api.identity(), thread.list()])
    const ours = ownComment(comments, marker, identity)
    if (ours) return { kind: 'updated', id: (await thread.update(ours.id, body)).id }
    if (!create) return { kind: 'none' }
    return { kind: 'created', id: (await thread.create(body)).id }
  } catch (error) {
    const status = error instanceof ApiError ? error.status : undefined
    const why =
      status === 403 || status === 404 || status === 401 ? thread.refused : errorMessage(error)
    return {
      kind: 'skipped',
      reason: `${thread.posted}: ${why}. It is in the job summary.`
    }
  }
}
