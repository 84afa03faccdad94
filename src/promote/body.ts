import { createHash } from 'node:crypto'
import { code, codeCell } from '../report/markdown.ts'
import type { KeyChange, PromotedPlan } from '../types/promotion.ts'
import type { Proof, Proposal } from './decide.ts'

// Pure: a promotion's pull request (title, body) and commit message. Everything in
// them that comes from the repository (setups, paths, values) is shown inert. The
// body's hidden first line names the values it proposes, so that a pull request a
// person closed is not opened again for the same values.

/** Values and rows shown; the rest is counted (a pull request body holds 65536 characters). */
const MAX_VALUE_CHARS = 120
const MAX_ROWS = 100

/** Names the proposed values: equal sets of (plan, key, value), equal fingerprints. */
export function fingerprintOf(proposals: readonly Proposal[]): string {
  const lines = proposals
    .flatMap((p) => p.changes.map((c) => `${p.target.target.plan}\0${c.key}\0${c.new}`))
    .sort()
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16)
}

const MARKER = /^<!-- gitops-action promotion ([0-9a-f]+) -->/

export function markerOf(fingerprint: string): string {
  return `<!-- gitops-action promotion ${fingerprint} -->`
}

/** The fingerprint in a body this action wrote; undefined for any other body. */
export function fingerprintIn(body: string): string | undefined {
  return MARKER.exec(body)?.[1]
}

/** The proposals as the `promotions` output lists them: one entry a target plan. */
export function promotedPlans(proposals: readonly Proposal[]): PromotedPlan[] {
  const plans = new Map<string, { plan: string; from: string; changes: KeyChange[] }>()
  for (const p of proposals) {
    const path = p.target.target.plan
    const entry = plans.get(path)
    if (entry) entry.changes.push(...p.changes)
    else plans.set(path, { plan: path, from: p.from, changes: [...p.changes] })
  }
  return [...plans.values()]
}

export function titleOf(setup: string, proposals: readonly Proposal[]): string {
  const plans = promotedPlans(proposals)
  const [only] = plans
  const version =
    only?.changes.length === 1 ? only.changes.find((c) => c.key === 'version') : undefined
  if (plans.length === 1 && only && version) {
    const name = only.plan
      .split('/')
      .slice(-2)
      .join('/')
      .replace(/\.ya?ml$/, '')
    return `Promote ${name} ${version.new} to ${setup}`
  }
  return `Promote ${plans.length} plan(s) to ${setup}`
}

export interface BodyInput {
  readonly setup: string
  readonly branch: string
  readonly proposals: readonly Proposal[]
  /** The commit this run deployed, which the branch is built on. */
  readonly commit: string
  readonly runUrl: string | undefined
}

export function bodyOf(input: BodyInput): string {
  const { setup, proposals } = input
  const rows = proposals.flatMap((p) =>
    p.changes.map(
      (c) =>
        `| ${codeCell(p.target.target.plan)} | ${c.key} | ${value(c.old)} | ${value(c.new)} | ${codeCell(p.from)} | ${proofText(p.proof)} |`
    )
  )
  const shown = rows.slice(0, MAX_ROWS)
  const run = input.runUrl ? `[the run](${input.runUrl})` : 'the run'
  return [
    markerOf(fingerprintOf(proposals)),
    `Proposes to ${code(setup)} what ran as git says in ${sources(proposals)}.`,
    '',
    '| plan | key | now | proposed | from | proven |',
    '| --- | --- | --- | --- | --- | --- |',
    ...shown,
    ...(rows.length > shown.length ? [`| and ${rows.length - shown.length} more | | | | | |`] : []),
    '',
    `Built on the deployed commit ${input.commit} by ${run}.`,
    '',
    `Merging deploys these plans to ${code(setup)} like any push. Each promotion rebuilds the branch ${code(input.branch)} from the commit it deployed, with every promotion still waiting; closed without merging, this pull request is not opened again for the same values.`,
    ''
  ].join('\n')
}

export function commitMessage(input: BodyInput): string {
  const lines = promotedPlans(input.proposals).flatMap((p) =>
    p.changes.map((c) => `${p.plan}: ${c.key} ${c.old ?? '(not set)'} -> ${c.new} (from ${p.from})`)
  )
  return [
    titleOf(input.setup, input.proposals),
    '',
    ...lines,
    '',
    `Deployed commit: ${input.commit}`,
    ...(input.runUrl ? [`Run: ${input.runUrl}`] : []),
    ''
  ].join('\n')
}

function sources(proposals: readonly Proposal[]): string {
  const setups = [...new Set(proposals.map((p) => p.from.split('/').slice(0, -2).join('/')))]
  return setups.map(code).join(', ')
}

function value(text: string | undefined): string {
  if (text === undefined) return '(not set)'
  return codeCell(text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text)
}

function proofText(proof: Proof): string {
  switch (proof.kind) {
    case 'run':
      return `deployed by this run${proof.revision !== null ? ` (revision ${proof.revision})` : ''}, ${proof.health === null ? 'health not checked' : proof.health}`
    case 'earlier':
      return `deployed by an earlier run, unchanged since ${proof.base.slice(0, 12)}`
    case 'branch':
      return `proposed earlier on the branch (${proof.commit.slice(0, 12)})`
  }
}
