// Pure: what helm prints, read.

/** A revision as `helm get metadata --output json` tells it; `revision: null` when unreadable. */
export function parseMetadata(stdout: string): {
  revision: number | null
  chartVersion?: string
  applyMethod?: string
} {
  try {
    const metadata = JSON.parse(stdout) as {
      revision?: unknown
      version?: unknown
      applyMethod?: unknown
    }
    return {
      revision: typeof metadata.revision === 'number' ? metadata.revision : null,
      ...(typeof metadata.version === 'string' && { chartVersion: metadata.version }),
      ...(typeof metadata.applyMethod === 'string' && { applyMethod: metadata.applyMethod })
    }
  } catch {
    return { revision: null }
  }
}
