// Pure: what helm prints, read; and which of its outputs an install or upgrade asks for.

/** What `--output json` of install, upgrade or status tells of a release. */
export interface ReleaseJson {
  readonly revision: number | null
  readonly chartVersion?: string
  readonly applyMethod?: string
  /** Every object helm applied, hooks excluded. */
  readonly manifest?: string
}

/** A release as `helm install|upgrade|status --output json` prints it; `revision: null` when unreadable. */
export function parseRelease(stdout: string): ReleaseJson {
  try {
    // Helm may print lines before the JSON (`Pulled: ...`, `Digest: ...` for OCI charts).
    const start = stdout.search(/^\{/m)
    const release = JSON.parse(start > 0 ? stdout.slice(start) : stdout) as {
      version?: number
      chart?: { metadata?: { version?: string } }
      apply_method?: string
      manifest?: unknown
    }
    return {
      revision: typeof release.version === 'number' ? release.version : null,
      chartVersion: release.chart?.metadata?.version,
      applyMethod: release.apply_method,
      ...(typeof release.manifest === 'string' && { manifest: release.manifest })
    }
  } catch {
    return { revision: null }
  }
}

export type ApplyOutput = 'json' | 'table'

/**
 * How an install or upgrade tells what it made. The table is a few lines (and the
 * chart's notes); the JSON is the whole release, every manifest, value and chart file
 * (5 MB for argo-cd), so it is asked for only when the table lacks what is needed:
 * the chart version, when the plan cannot tell it beforehand, or the manifest.
 */
export function applyOutput(needs: {
  readonly chartVersion: boolean
  readonly manifest: boolean
}): ApplyOutput {
  return needs.chartVersion || needs.manifest ? 'json' : 'table'
}

/** What an install or upgrade made, read from the output it was asked for. */
export function parseApplied(stdout: string, output: ApplyOutput, release: string): ReleaseJson {
  return output === 'json' ? parseRelease(stdout) : { revision: tableRevision(stdout, release) }
}

/**
 * The revision in helm's own lines of `--output table`: `NAME: <release>`, then
 * `KEY: value` lines up to `NOTES:`. What follows is the chart's text and is never read.
 */
function tableRevision(stdout: string, release: string): number | null {
  const all = stdout.split('\n').map((line) => line.replace(/\r$/, ''))
  const notes = all.indexOf('NOTES:')
  const lines = notes < 0 ? all : all.slice(0, notes)
  const start = lines.indexOf(`NAME: ${release}`)
  if (start < 0) return null
  for (const line of lines.slice(start + 1)) {
    if (!/^[A-Z][A-Z -]*: /.test(line)) break
    const revision = /^REVISION: (\d+)$/.exec(line)
    if (revision) return Number(revision[1])
  }
  return null
}
