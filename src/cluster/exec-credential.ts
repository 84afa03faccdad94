import { run } from '../process.ts'
import { addSecret } from '../secrets/masking.ts'
import { childEnv } from '../apply/helm.ts'
import { KubeconfigError, type ExecPlugin } from './kubeconfig-access.ts'
import { errorMessage } from '../error-message.ts'

// A kubeconfig's exec credential plugin (aws eks get-token, gke-gcloud-auth-plugin,
// kubelogin): run once, its ExecCredential read, every credential in it masked.

export interface ExecCredential {
  readonly token?: string
  readonly cert?: string
  readonly key?: string
}

const EXEC_TIMEOUT_MS = 60_000

/** Pure: the credential in a plugin's stdout. */
export function parseExecCredential(stdout: string): ExecCredential {
  let doc: unknown
  try {
    doc = JSON.parse(stdout)
  } catch {
    throw new KubeconfigError('the kubeconfig exec plugin did not print an ExecCredential (JSON)')
  }
  const status = (doc as { status?: Record<string, unknown> } | null)?.status
  const field = (key: string): string | undefined =>
    typeof status?.[key] === 'string' && status[key] !== '' ? status[key] : undefined
  const credential = {
    token: field('token'),
    cert: field('clientCertificateData'),
    key: field('clientKeyData')
  }
  if (!credential.token && !(credential.cert && credential.key))
    throw new KubeconfigError(
      'the kubeconfig exec plugin returned neither a token nor a client certificate'
    )
  return credential
}

export async function runExecPlugin(
  plugin: ExecPlugin,
  server: string,
  signal: AbortSignal
): Promise<ExecCredential> {
  const info = JSON.stringify({
    apiVersion: plugin.apiVersion,
    kind: 'ExecCredential',
    spec: { interactive: false, cluster: { server } }
  })
  const result = await run(plugin.command, plugin.args, {
    env: childEnv({ ...plugin.env, KUBERNETES_EXEC_INFO: info }),
    timeoutMs: EXEC_TIMEOUT_MS,
    signal
  }).catch((error: unknown) => {
    throw new KubeconfigError(
      `the kubeconfig exec plugin ${plugin.command} could not start: ${errorMessage(error)}`
    )
  })
  if (result.code !== 0) {
    const why = result.timedOut ? 'timed out' : `exited with ${result.code ?? result.signal}`
    throw new KubeconfigError(
      `the kubeconfig exec plugin ${plugin.command} ${why}: ${result.stderr.trim().split('\n').slice(-3).join(' ')}`
    )
  }
  const credential = parseExecCredential(result.stdout)
  addSecret(credential.token, `the token of the kubeconfig exec plugin ${plugin.command}`)
  addSecret(credential.key, `the client key of the kubeconfig exec plugin ${plugin.command}`)
  return credential
}
