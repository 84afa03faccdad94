// Pure: what helm prints, read.

/** The revision, chart version and manifest helm reports after install/upgrade (`--output json`). */
export function parseRelease(stdout: string): {
  revision: number | null
  chartVersion?: string
  applyMethod?: string
  /** The objects helm applied (hooks apart): what a health check reads. */
  manifest?: string
} {
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
      ...(typeof release.manifest === 'string' ? { manifest: release.manifest } : {})
    }
  } catch {
    return { revision: null }
  }
}
