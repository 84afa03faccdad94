// SIGINT/SIGTERM (the runner cancelling the job) abort the run: children are
// stopped through their AbortSignal and what finished is still reported.

export interface Cancellation {
  readonly signal: AbortSignal
  dispose(): void
}

export function onCancel(): Cancellation {
  const controller = new AbortController()
  const handler = (signal: NodeJS.Signals): void => {
    if (!controller.signal.aborted) controller.abort(new Error(`cancelled by ${signal}`))
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
    }
  }
}
