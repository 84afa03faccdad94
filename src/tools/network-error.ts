// What a failed request says, and the wait between its tries: shared by every client
// that retries over the network (tool downloads, the kubeconfig store).

interface NetworkError {
  readonly code?: string
  readonly message?: string
  readonly cause?: { readonly code?: string }
}

/** The error's system code (its own or its cause's) before its message, once. */
export function networkErrorReason(error: unknown): string {
  const e = error as NetworkError
  const code = e.code ?? e.cause?.code
  const message = e.message ?? String(error)
  return code && !message.includes(code) ? `${code}: ${message}` : message
}

/** Waits `ms`, or less when the signal aborts (the caller then sees the abort itself). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
  })
}
