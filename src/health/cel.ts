import { celEnv, isCelError, parse, plan, type CelInput } from '@bufbuild/cel'
import { strings } from '@bufbuild/cel/ext'
import type { HealthExpression, ObjectHealth } from '../types/health.ts'
import { groupOf, kindOf, stringField, type LiveObject } from './fields.ts'
import { current, failed, generationHealth, inProgress } from './generic.ts'

// Health expressions in CEL for a plan's own kinds, as Flux's `healthCheckExprs`: the
// object's top-level fields are variables (`status.conditions`, as in Flux, so its
// published expressions work as they are) and `self` is the whole object. Each text
// is compiled once; compiling is pure, so a bad expression is a plan-file error.

export type Compiled =
  | { readonly ok: true; readonly evaluate: (bindings: Record<string, CelInput>) => unknown }
  | {
      readonly ok: false
      readonly message: string
      /** 1-based, within the expression's text. */
      readonly line: number
    }

type Ast = ReturnType<typeof parse>['expr']

const ENV = celEnv({ funcs: strings })
const compiledByText = new Map<string, Compiled>()

/** Calls the evaluator plans itself instead of looking them up among functions. */
const BUILT_IN_CALLS: ReadonlySet<string> = new Set([
  '_[_]',
  '_[?_]',
  '_?._',
  '_?_:_',
  '_&&_',
  '_||_',
  '@not_strictly_false',
  '__not_strictly_false__'
])

export function compileExpression(text: string): Compiled {
  const known = compiledByText.get(text)
  if (known) return known
  const made = compile(text)
  compiledByText.set(text, made)
  return made
}

function compile(text: string): Compiled {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(text)
  } catch (error) {
    return syntaxError(error)
  }
  // Parsing accepts any name as a function; a misspelt one would only fail on the
  // cluster, a timeout later, so it is found here.
  const unknown = unknownCall(parsed.expr)
  if (unknown) {
    const offset = parsed.sourceInfo?.positions[String(unknown.id)] ?? 0
    const line = text.slice(0, offset).split('\n').length
    return {
      ok: false,
      line,
      message:
        unknown.name === 'has'
          ? 'has() takes a field selection, such as has(status.readyReplicas)'
          : `unknown function '${unknown.name}'`
    }
  }
  const run = plan(ENV, parsed)
  return { ok: true, evaluate: (bindings) => run(bindings) }
}

function syntaxError(error: unknown): Compiled {
  const located = error as { location?: { start?: { line?: number; column?: number } } }
  const start = located.location?.start
  const message = error instanceof Error ? error.message : String(error)
  // The parser's message starts with `<input>:line:column: `; the column is kept in words.
  const bare = message.replace(/^<input>:\d+:\d+:\s*/, '')
  return {
    ok: false,
    line: start?.line ?? 1,
    message: start?.column !== undefined ? `${bare} (column ${start.column})` : bare
  }
}

function unknownCall(expr: Ast | undefined): { name: string; id: bigint } | undefined {
  if (!expr) return undefined
  const kind = expr.exprKind
  const within = (...exprs: (Ast | undefined)[]): { name: string; id: bigint } | undefined => {
    for (const inner of exprs) {
      const found = unknownCall(inner)
      if (found) return found
    }
    return undefined
  }
  switch (kind.case) {
    case 'callExpr': {
      const name = kind.value.function
      if (!BUILT_IN_CALLS.has(name) && !ENV.funcs.find(name)) return { name, id: expr.id }
      return within(kind.value.target, ...kind.value.args)
    }
    case 'selectExpr':
      return within(kind.value.operand)
    case 'listExpr':
      return within(...kind.value.elements)
    case 'structExpr':
      return within(
        ...kind.value.entries.flatMap((entry) => [
          entry.keyKind.case === 'mapKey' ? entry.keyKind.value : undefined,
          entry.value
        ])
      )
    case 'comprehensionExpr':
      return within(
        kind.value.iterRange,
        kind.value.accuInit,
        kind.value.loopCondition,
        kind.value.loopStep,
        kind.value.result
      )
    default:
      return undefined
  }
}

/**
 * The expression for an object, by API group and kind as Flux matches them: the
 * version is left out, so `example.com/v1` covers `example.com/v1beta1` objects too.
 */
export function expressionFor(
  expressions: readonly HealthExpression[],
  object: LiveObject
): HealthExpression | undefined {
  const group = groupOf(stringField(object, 'apiVersion', ''))
  const kind = kindOf(object)
  return expressions.find((e) => e.kind === kind && groupOf(e.apiVersion) === group)
}

/** Two expressions for the same objects: `example.com/Widget`. */
export function expressionKey(expression: Pick<HealthExpression, 'apiVersion' | 'kind'>): string {
  const group = groupOf(expression.apiVersion)
  return group === '' ? expression.kind : `${group}/${expression.kind}`
}

type Which = 'inProgress' | 'failed' | 'current'

/**
 * Flux's order: a spec the controller has not observed is in progress; then
 * `inProgress` true → in progress, `failed` true → failed, `current` true → current;
 * none true → in progress. An error (a field the object lacks) is in progress: the
 * object may still get it.
 */
export function expressionHealth(expression: HealthExpression, object: LiveObject): ObjectHealth {
  const generation = generationHealth(object)
  if (generation) return generation
  const bindings = bindingsOf(object)
  const order: [Which, string | undefined, (reason: string) => ObjectHealth][] = [
    ['inProgress', expression.inProgress, inProgress],
    ['failed', expression.failed, failed],
    ['current', expression.current, current]
  ]
  for (const [which, text, verdict] of order) {
    if (text === undefined) continue
    const outcome = evaluate(text, bindings)
    if (typeof outcome === 'string') return inProgress(`health expression '${which}': ${outcome}`)
    if (outcome) return verdict(`health expression '${which}' is true`)
  }
  return inProgress("health expression 'current' is not true yet")
}

/** true/false, or why there is no answer. */
function evaluate(text: string, bindings: Record<string, CelInput>): boolean | string {
  const compiled = compileExpression(text)
  if (!compiled.ok) return `does not compile: ${compiled.message}`
  let value: unknown
  try {
    value = compiled.evaluate(bindings)
  } catch (error) {
    value = error
  }
  if (isCelError(value) || value instanceof Error) {
    const message = value.message
    return message.startsWith('field not found')
      ? `${message} (has() guards a field the object may not have yet)`
      : message
  }
  return typeof value === 'boolean' ? value : `gives ${celTypeOf(value)}, not true or false`
}

function celTypeOf(value: unknown): string {
  if (typeof value === 'bigint') return 'an int'
  if (typeof value === 'number') return 'a double'
  if (typeof value === 'string') return 'a string'
  return value === null ? 'null' : 'a list, a map or another type'
}

function bindingsOf(object: LiveObject): Record<string, CelInput> {
  const bindings: Record<string, CelInput> = Object.create(null) as Record<string, CelInput>
  for (const [key, value] of Object.entries(object)) bindings[key] = celValue(value)
  bindings['self'] = celValue(object)
  return bindings
}

/** JSON as CEL sees it: whole numbers are ints (as Kubernetes decodes them), so `replicas + 1` works; objects are maps. */
function celValue(value: unknown): CelInput {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value
  if (Array.isArray(value)) return value.map(celValue)
  if (typeof value === 'object' && value !== null)
    return new Map(Object.entries(value).map(([key, inner]) => [key, celValue(inner)]))
  return value as CelInput
}
