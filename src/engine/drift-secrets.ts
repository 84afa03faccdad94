import { encryptedLeaves } from '../secrets/sops-file.ts'
import type { ValuesFiles } from '../secrets/sops-values.ts'
import { addSecretValues, holdsSecret } from '../secrets/masking.ts'
import type { PlanTarget } from '../types/plan.ts'
import type { SecretTest } from './drift-compare.ts'
import type { HelmPort } from './ports.ts'

// A drift check never decrypts, yet a release deployed from SOPS-encrypted values
// holds their plaintext in its manifest. The values the release was given (`helm get
// values`) hold the decrypted leaves at the paths the encrypted files name in clear:
// those are registered as secrets before anything is compared, so a field holding
// one (like any value the action masks) is reported by digest only.

export interface ReleaseValuesContext {
  readonly helm: HelmPort
  readonly values: ValuesFiles
  readonly env: NodeJS.ProcessEnv
  readonly signal: AbortSignal
}

/** What counts as a secret in the release's fields: every registered secret, and each decrypted leaf. */
export async function releaseSecrets(
  target: PlanTarget,
  files: readonly string[],
  context: ReleaseValuesContext
): Promise<SecretTest> {
  const encrypted = await context.values.encrypted(files)
  if (encrypted.length === 0) return holdsSecret
  // The output is the decrypted values: parsed here, never printed.
  const given = await context.helm.values(target, { env: context.env, signal: context.signal })
  const deployed: unknown = JSON.parse(given || 'null')
  const found = encrypted.flatMap((tree) => encryptedLeaves(tree, deployed))
  addSecretValues(found, `${target.plan}: the values of its SOPS-encrypted files, as deployed`)
  const leaves = new Set(found.map((leaf) => leaf.value))
  // Values too short for the masker are still secrets when a field holds exactly one.
  return (text) => holdsSecret(text) || leaves.has(text)
}
