import {
  boolYaml11Tag,
  FAILSAFE_SCHEMA,
  floatYaml11Tag,
  intYaml11Tag,
  mergeTag,
  NOT_RESOLVED,
  nullYaml11Tag,
  Schema,
  type ScalarTagDefinition
} from 'js-yaml'

// Pure: a manifest read as the API server gets it. helm and kubectl turn a manifest
// into JSON with Go's yaml.v2, which mostly follows YAML 1.1: `defaultMode: 0755` is
// the octal 493; `yes`, `on` and `y` are true; `1_000` is 1000. Read by YAML 1.2's
// rules `0755` is 755, and a chart that writes it would differ on every drift check
// from the 493 the server holds. Numbers are read as yaml.v2 reads them (Go's
// `strconv` with base prefixes, then its float syntax), not as YAML 1.1 says: no
// base-60 (`12:30` stays text), `0o755` is octal, `08` and `1e3` are numbers.

const GO_INT = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/
const GO_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/

/** Go's base prefixes; a leading 0 alone is octal too. */
const PREFIXES: ReadonlyArray<readonly [RegExp, number]> = [
  [/^0[xX]/, 16],
  [/^0[oO]/, 8],
  [/^0[bB]/, 2],
  [/^0(?=.)/, 8]
]

/** yaml.v2's number of a plain scalar: underscores dropped, an integer if Go parses one, else a float. */
export function goNumber(source: string): number | typeof NOT_RESOLVED {
  const plain = source.replaceAll('_', '')
  if (GO_INT.test(plain)) {
    const sign = plain.startsWith('-') ? -1 : 1
    const digits = plain.replace(/^[-+]/, '')
    const [prefix, base] = PREFIXES.find(([p]) => p.test(digits)) ?? [/^/, 10]
    return sign * parseInt(digits.replace(prefix, ''), base)
  }
  return GO_FLOAT.test(plain) ? Number(plain) : NOT_RESOLVED
}

export const KUBE_YAML_SCHEMA = new Schema([
  ...FAILSAFE_SCHEMA.tags,
  nullYaml11Tag,
  boolYaml11Tag,
  {
    ...intYaml11Tag,
    implicitFirstChars: ['-', '+', '.', ...'0123456789'],
    resolve: goNumber
  } satisfies ScalarTagDefinition<number>,
  // `.inf` and `.nan` as YAML 1.1 has them; every other float goes through the int tag.
  {
    ...floatYaml11Tag,
    resolve: (source, isExplicit, tagName) =>
      /^[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)$/.test(source)
        ? floatYaml11Tag.resolve(source, isExplicit, tagName)
        : NOT_RESOLVED
  } satisfies ScalarTagDefinition<number>,
  mergeTag
])
