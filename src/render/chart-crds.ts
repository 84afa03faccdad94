// Pure: `helm template --include-crds` output cut in two, by the `# Source:` line helm
// writes before each file: the documents of the charts' `crds/` folders (a chart's
// own, `<chart>/crds/…`, or a subchart's, `<chart>/charts/<sub>/crds/…`), which helm
// installs once and never upgrades, and those of the templates. A `crds/` file of
// several documents has the line only before its first: the rest follow it.

export interface SplitManifest {
  /** The `crds/` documents, as a manifest. */
  readonly crds: string
  /** Everything else: what helm installs and upgrades as the release. */
  readonly templates: string
}

const SEPARATOR = /^---(?:[ \t].*)?$/
const SOURCE = /^# Source: (.+)$/
const CRDS_SOURCE = /^[^/]+(?:\/charts\/[^/]+)*\/crds\//

export function splitCrds(manifest: string): SplitManifest {
  const crds: string[] = []
  const templates: string[] = []
  let inCrds = false
  for (const document of documents(manifest)) {
    const source = sourceOf(document)
    if (source !== undefined) inCrds = CRDS_SOURCE.test(source)
    ;(inCrds ? crds : templates).push(document)
  }
  return { crds: join(crds), templates: join(templates) }
}

function documents(manifest: string): string[] {
  const found: string[] = []
  let current: string[] = []
  for (const line of manifest.split('\n')) {
    if (SEPARATOR.test(line)) {
      found.push(current.join('\n'))
      current = []
    } else current.push(line)
  }
  found.push(current.join('\n'))
  return found.filter((document) => document.trim() !== '')
}

/** The `# Source:` line among a document's leading comments. */
function sourceOf(document: string): string | undefined {
  for (const line of document.split('\n')) {
    const trimmed = line.trim()
    if (trimmed === '') continue
    const match = SOURCE.exec(trimmed)
    if (match) return match[1]
    if (!trimmed.startsWith('#')) return undefined
  }
  return undefined
}

function join(documents: readonly string[]): string {
  return documents.map((document) => `---\n${document}\n`).join('')
}
