import { randomUUID } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, extname, join } from 'node:path'
import { dump, load } from 'js-yaml'
import { sopsEnv } from '../child-env.ts'
import { run } from '../process.ts'
import { addSecretValues } from './masking.ts'
import { prepareSops, type Sops } from '../tools/sops.ts'
import type { Config } from '../types/config.ts'
import { contentDigest } from '../render/digest.ts'
import { encryptedLeaves, keysNeeded, redacted, sopsMetadata } from './sops-file.ts'

// The values files of a plan as helm gets them. A SOPS-encrypted one is decrypted
// with the real sops into the run's private folder (0600, removed by the post step),
// every decrypted value registered as a secret first; a preview never decrypts.

export interface ValuesOptions {
  readonly config: Config
  /** A private folder of the run (the post step removes it). */
  readonly dir: string
  readonly signal: AbortSignal
}

export interface PreviewValues {
  readonly paths: readonly string[]
  /** One per encrypted file: what the preview did instead of decrypting it. */
  readonly notes: readonly string[]
}

export class ValuesFiles {
  readonly #options: ValuesOptions
  /** Prepared on the first encrypted file, once for the run. */
  #sops: Promise<Sops> | undefined

  constructor(options: ValuesOptions) {
    this.#options = options
  }

  /** The files for `helm install/upgrade`, decrypted where encrypted; throws naming the file and its keys. */
  async forDeploy(files: readonly string[]): Promise<string[]> {
    const paths: string[] = []
    for (const file of files) {
      const path = join(this.#options.config.workspace, file)
      const text = await readFile(path, 'utf8')
      const meta = sopsMetadata(text)
      paths.push(meta ? await this.#decrypt(file, path, text, meta) : path)
    }
    return paths
  }

  /** The files for `helm template` in a preview: encrypted values replaced by digests of their ciphertext. */
  async forPreview(
    files: readonly string[],
    root = this.#options.config.workspace
  ): Promise<PreviewValues> {
    const paths: string[] = []
    const notes: string[] = []
    for (const file of files) {
      const path = join(root, file)
      const text = await readFile(path, 'utf8')
      if (!sopsMetadata(text)) {
        paths.push(path)
        continue
      }
      paths.push(this.#write(file, dump(redacted(text))))
      notes.push(
        `${file} is SOPS-encrypted: not decrypted in a preview, its encrypted values rendered as ` +
          `sops:sha256:<digest of the ciphertext> (file digest ${contentDigest(text)})`
      )
    }
    return { paths, notes }
  }

  /** The SOPS-encrypted ones among the files, parsed (never decrypted): a drift check reads their paths. */
  async encrypted(files: readonly string[]): Promise<unknown[]> {
    const found: unknown[] = []
    for (const file of files) {
      const text = await readFile(join(this.#options.config.workspace, file), 'utf8')
      if (sopsMetadata(text)) found.push(load(text))
    }
    return found
  }

  async #decrypt(
    file: string,
    path: string,
    text: string,
    meta: Record<string, unknown>
  ): Promise<string> {
    const { config, signal } = this.#options
    this.#sops ??= prepareSops(config, signal)
    const sops = await this.#sops
    const type = extname(file).toLowerCase() === '.json' ? 'json' : 'yaml'
    const result = await run(
      sops.path,
      ['--decrypt', '--input-type', type, '--output-type', 'yaml', path],
      {
        // sops alone gets the age key; KMS credentials come from the environment as for any step.
        env: sopsEnv(config.sopsAgeKey ? { SOPS_AGE_KEY: config.sopsAgeKey } : {}),
        signal
      }
    )
    if (result.code !== 0)
      throw new Error(decryptError(file, meta, result.stderr, result.cancelled))
    addSecretValues(encryptedLeaves(load(text), load(result.stdout)), `${file}, decrypted`)
    return this.#write(file, result.stdout)
  }

  /** A file only this run's user reads, under a folder of its own so helm's errors still name the file. */
  #write(file: string, text: string): string {
    const dir = join(this.#options.dir, randomUUID())
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const out = join(dir, basename(file))
    writeFileSync(out, text, { mode: 0o600 })
    return out
  }
}

function decryptError(
  file: string,
  meta: Record<string, unknown>,
  stderr: string,
  cancelled: boolean
): string {
  if (cancelled) return `sops stopped decrypting ${file}: the run was cancelled`
  const keys = keysNeeded(meta)
  const said = stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '')
  return (
    `could not decrypt ${file} with sops: it needs ${keys.length ? `one of: ${keys.join('; ')}` : 'a key its metadata does not name'}. ` +
    'Give the age private key in sops-age-key, or log in to the cloud that holds the KMS key (an OIDC login step) before this step' +
    (said ? ` (sops: ${said})` : '')
  )
}
