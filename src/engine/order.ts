// The order plans of one setup run in: at most `limit` at once, each only after
// every plan it `needs` (within this run) finished well. A plan whose need did
// not finish well is not run; needs on plans outside the run are met already.

import { asError } from '../error-message.ts'

export interface OrderedItem<T> {
  readonly key: string
  readonly needs: readonly string[]
  readonly item: T
}

export interface OrderHooks<T, R> {
  readonly run: (item: T) => Promise<R>
  /** Whether a finished item lets the items that need it start. */
  readonly ok: (result: R) => boolean
  readonly notRun: (item: T, why: string) => R
}

export async function runInOrder<T, R>(
  items: readonly OrderedItem<T>[],
  limit: number,
  hooks: OrderHooks<T, R>
): Promise<R[]> {
  const results = new Map<string, R>()
  const inRun = new Set(items.map((i) => i.key))
  const waiting = [...items]
  let running = 0
  return new Promise((resolve, reject) => {
    const finish = (entry: OrderedItem<T>, result: R): void => {
      results.set(entry.key, result)
      pump()
    }
    const pump = (): void => {
      let progressed = true
      while (progressed) {
        progressed = false
        for (const entry of [...waiting]) {
          const needs = entry.needs.filter((n) => inRun.has(n))
          const unmet = needs.find((n) => results.has(n) && !hooks.ok(results.get(n) as R))
          if (unmet !== undefined) {
            waiting.splice(waiting.indexOf(entry), 1)
            results.set(
              entry.key,
              hooks.notRun(entry.item, `not run: it needs ${unmet}, which did not succeed`)
            )
            progressed = true
            continue
          }
          if (running >= limit || !needs.every((n) => results.has(n))) continue
          waiting.splice(waiting.indexOf(entry), 1)
          running++
          progressed = true
          hooks.run(entry.item).then(
            (result) => {
              running--
              finish(entry, result)
            },
            (error: unknown) => reject(asError(error))
          )
        }
      }
      if (running === 0 && waiting.length > 0) {
        // Only a cycle leaves items waiting with nothing running; plan files refuse cycles first.
        for (const entry of waiting.splice(0))
          results.set(entry.key, hooks.notRun(entry.item, 'not run: its needs form a cycle'))
      }
      if (running === 0 && waiting.length === 0) resolve(items.map((i) => results.get(i.key) as R))
    }
    pump()
  })
}
