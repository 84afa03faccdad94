import type { YamlNode } from './yaml-tree.ts'

// Pure: how a release option reports a problem, and its yes/no values, shared by the
// options' parsers.

export type Problem = (line: number | undefined, message: string) => void

/** Only a plain `true` or `false`: `yes`, `1` or a quoted "true" are errors. */
export function bool(node: YamlNode, name: string, problem: Problem): boolean | undefined {
  if (node.kind === 'scalar' && node.plain && (node.text === 'true' || node.text === 'false'))
    return node.text === 'true'
  problem(node.line, `${name} must be true or false`)
  return undefined
}
