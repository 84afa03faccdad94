import { readFileSync } from 'node:fs'
import { load } from 'js-yaml'
import { errorMessage } from './error-message.ts'

// The inputs' defaults are read from action.yml itself, the file the runner reads,
// so no second copy can drift from it. src/ and dist/ both sit one folder below it.
const ACTION_YML = new URL('../action.yml', import.meta.url)

/** A runner expression such as `${{ github.token }}`: the runner evaluates it, the action cannot. */
const EXPRESSION = /\$\{\{/

interface ActionYml {
  readonly inputs?: Readonly<Record<string, { readonly default?: unknown } | null>>
}

let cached: ReadonlyMap<string, string> | undefined

/**
 * Every input of action.yml with its default: '' where it has none, or where the default
 * is a runner expression. Read once, on first use.
 */
export function actionDefaults(): ReadonlyMap<string, string> {
  cached ??= readDefaults()
  return cached
}

function readDefaults(): ReadonlyMap<string, string> {
  let text: string
  try {
    text = readFileSync(ACTION_YML, 'utf8')
  } catch (error) {
    throw new Error(
      `cannot read the action's own action.yml (${errorMessage(error)}): dist/ must stay beside it`,
      { cause: error }
    )
  }
  const inputs = (load(text) as ActionYml | undefined)?.inputs ?? {}
  return new Map(
    Object.entries(inputs).map(([name, spec]): [string, string] => {
      const value = spec?.default
      const given = value === undefined || value === null ? '' : String(value)
      return [name, EXPRESSION.test(given) ? '' : given]
    })
  )
}
