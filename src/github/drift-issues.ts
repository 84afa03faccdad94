import type { GitHubApi, IssueRef } from './api.ts'
import { writtenBy } from './authorship.ts'
import { mask } from '../secrets/masking.ts'

// One GitHub issue a setup tells its drift: opened when a check finds drift,
// edited by every later check that still does, closed by the first clean one.
// Found again by its label, title and author, the token's own identity, so nothing
// has to be stored between runs. Anyone may open an issue with that title, and an
// issue form may label it: another account's issue is never edited or closed.

export const DRIFT_LABEL = 'gitops-drift'

/** What a check says about one setup; `body` is Markdown the report wrote. */
export interface SetupDrift {
  readonly setup: string
  readonly drifted: boolean
  readonly body: string
}

export function issueTitle(setup: string): string {
  return `Drift in setup ${setup}`
}

/** The oldest open issue the token opened for the setup, if any. */
export function ownIssue(
  issues: readonly IssueRef[],
  setup: string,
  identity: string
): IssueRef | undefined {
  return issues.find((i) => writtenBy(i, identity) && i.title === issueTitle(setup))
}

export type IssueChange = 'opened' | 'edited' | 'closed' | 'none'

export interface IssueOutcome {
  readonly setup: string
  readonly change: IssueChange
  readonly number: number | undefined
}

export async function syncDriftIssues(
  api: GitHubApi,
  setups: readonly SetupDrift[]
): Promise<IssueOutcome[]> {
  if (setups.length === 0) return []
  const [identity, open] = await Promise.all([api.identity(), api.openIssues(DRIFT_LABEL)])
  const outcomes: IssueOutcome[] = []
  for (const { setup, drifted, body: text } of setups) {
    // A public issue outlives the run: masked like the summary, as a last guard.
    const body = mask(text)
    const number = ownIssue(open, setup, identity)?.number
    if (drifted && number === undefined) {
      const created = await api.createIssue({
        title: issueTitle(setup),
        body,
        labels: [DRIFT_LABEL]
      })
      outcomes.push({ setup, change: 'opened', number: created })
    } else if (number !== undefined) {
      await api.updateIssue(number, { body, state: drifted ? 'open' : 'closed' })
      outcomes.push({ setup, change: drifted ? 'edited' : 'closed', number })
    } else outcomes.push({ setup, change: 'none', number: undefined })
  }
  return outcomes
}
