// How the GitHub runner reads workflow commands in a step's output, modelled
// after actions/runner's ActionCommand and ActionCommandManager: lines split at
// \r and \n; `::name props::data` after leading whitespace; the legacy
// `##[name props]data` anywhere in a line; `::stop-commands::<token>` ignores
// every command until a line `::<token>::`. Tests read annotations through it,
// so text that would act on a real runner acts here too.

export interface WorkflowCommand {
  readonly command: string
  readonly properties: Readonly<Record<string, string>>
  readonly data: string
}

const REGISTERED = new Set([
  'add-mask',
  'add-matcher',
  'add-path',
  'debug',
  'echo',
  'endgroup',
  'error',
  'group',
  'notice',
  'remove-matcher',
  'save-state',
  'set-env',
  'set-output',
  'stop-commands',
  'warning'
])

const unescapeData = (s: string): string =>
  s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
const unescapeProperty = (s: string): string =>
  unescapeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',')
const unescapeLegacy = (s: string): string =>
  s
    .replace(/%3B/g, ';')
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%5D/g, ']')
    .replace(/%25/g, '%')

function parse(line: string, known: ReadonlySet<string>): WorkflowCommand | undefined {
  const v2 = line.trimStart()
  if (v2.startsWith('::')) {
    const end = v2.indexOf('::', 2)
    if (end >= 0) {
      const info = v2.slice(2, end)
      const space = info.indexOf(' ')
      const command = space < 0 ? info : info.slice(0, space)
      if (known.has(command)) {
        const properties: Record<string, string> = {}
        if (space > 0) {
          for (const pair of info
            .slice(space + 1)
            .trim()
            .split(',')
            .filter(Boolean)) {
            const eq = pair.indexOf('=')
            if (eq > 0) properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1))
          }
        }
        return { command, properties, data: unescapeData(v2.slice(end + 2)) }
      }
    }
  }
  const prefix = line.indexOf('##[')
  if (prefix < 0) return undefined
  const close = line.indexOf(']', prefix)
  if (close < 0) return undefined
  const info = line.slice(prefix + 3, close)
  const space = info.indexOf(' ')
  const command = space < 0 ? info : info.slice(0, space)
  if (!known.has(command)) return undefined
  const properties: Record<string, string> = {}
  if (space > 0) {
    for (const pair of info
      .slice(space + 1)
      .split(';')
      .filter(Boolean)) {
      const eq = pair.indexOf('=')
      if (eq > 0) properties[pair.slice(0, eq)] = unescapeLegacy(pair.slice(eq + 1))
    }
  }
  return { command, properties, data: unescapeLegacy(line.slice(close + 1)) }
}

/** The commands a runner would obey in this output, in order. */
export function workflowCommands(output: string): WorkflowCommand[] {
  const obeyed: WorkflowCommand[] = []
  const known = new Set(REGISTERED)
  let stopToken: string | undefined
  for (const line of output.split(/\r\n|\r|\n/)) {
    const command = parse(line, known)
    if (!command) continue
    if (stopToken !== undefined) {
      if (command.command === stopToken) stopToken = undefined
      continue
    }
    if (command.command === 'stop-commands' && command.data) {
      stopToken = command.data
      known.add(stopToken)
      continue
    }
    obeyed.push(command)
  }
  return obeyed
}
