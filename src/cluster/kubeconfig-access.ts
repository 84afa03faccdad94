import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, join } from 'node:path'
import { load } from 'js-yaml'

// Pure but for reading the files a kubeconfig names: how to reach the current
// context's API server (server, CA, client certificate, token, exec plugin).

/** An exec credential plugin (`users[].user.exec`), as EKS, GKE and AKS kubeconfigs have. */
export interface ExecPlugin {
  readonly command: string
  readonly args: readonly string[]
  readonly env: Readonly<Record<string, string>>
  readonly apiVersion: string
}

export interface ClusterAccess {
  readonly server: string
  readonly ca?: string
  readonly insecure: boolean
  readonly cert?: string
  readonly key?: string
  readonly token?: string
  readonly username?: string
  readonly password?: string
  readonly exec?: ExecPlugin
}

export class KubeconfigError extends Error {}

type Doc = Record<string, unknown>

function isRecord(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function named(doc: Doc, list: string, name: string | undefined, field: string): Doc {
  const entries = Array.isArray(doc[list]) ? (doc[list] as unknown[]) : []
  const entry = entries.find((e) => isRecord(e) && (name === undefined || e.name === name))
  if (!isRecord(entry) || !isRecord(entry[field]))
    throw new KubeconfigError(`the kubeconfig has no ${list} entry${name ? ` named ${name}` : ''}`)
  return entry[field]
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined
}

/** `*-data` (base64) wins over the file named beside it, as kubectl does. */
function pem(entry: Doc, key: string, baseDir: string): string | undefined {
  const data = text(entry[`${key}-data`])
  if (data) return Buffer.from(data, 'base64').toString('utf8')
  const file = text(entry[key])
  return file ? readFileSync(isAbsolute(file) ? file : join(baseDir, file), 'utf8') : undefined
}

/** How to reach the cluster of the kubeconfig's current context (the first context if none is set). */
export function clusterAccess(kubeconfigText: string, kubeconfigPath: string): ClusterAccess {
  const doc = load(kubeconfigText)
  if (!isRecord(doc)) throw new KubeconfigError('the kubeconfig is not a YAML map')
  const baseDir = dirname(kubeconfigPath)
  const contextName = text(doc['current-context'])
  const context = named(doc, 'contexts', contextName, 'context')
  const cluster = named(doc, 'clusters', text(context.cluster), 'cluster')
  const user = context.user === undefined ? {} : named(doc, 'users', text(context.user), 'user')
  const server = text(cluster.server)
  if (!server) throw new KubeconfigError('the kubeconfig cluster has no server')
  const tokenFile = text(user.tokenFile)
  const exec = isRecord(user.exec) ? execPlugin(user.exec) : undefined
  return {
    server: server.replace(/\/+$/, ''),
    ca: pem(cluster, 'certificate-authority', baseDir),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    cert: pem(user, 'client-certificate', baseDir),
    key: pem(user, 'client-key', baseDir),
    token: text(user.token) ?? (tokenFile ? readFileSync(tokenFile, 'utf8').trim() : undefined),
    username: text(user.username),
    password: text(user.password),
    ...(exec ? { exec } : {})
  }
}

function execPlugin(exec: Doc): ExecPlugin {
  const command = text(exec.command)
  if (!command) throw new KubeconfigError('the kubeconfig exec plugin has no command')
  const env: Record<string, string> = {}
  for (const entry of Array.isArray(exec.env) ? exec.env : []) {
    if (isRecord(entry) && typeof entry.name === 'string')
      env[entry.name] = String(entry.value ?? '')
  }
  return {
    command,
    args: Array.isArray(exec.args) ? exec.args.map(String) : [],
    env,
    apiVersion: text(exec.apiVersion) ?? 'client.authentication.k8s.io/v1'
  }
}
