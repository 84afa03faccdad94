import { GitRepo } from './git-repo.ts'

/**
 * A branch force-pushed over a head that had reached origin: `root` files, then `old` added
 * in the old head (pushed), then the branch reset to the root and `replacement` written in
 * the new head (force-pushed). Origin still holds the old head, unreachable.
 */
export async function forcePushed(
  root: Readonly<Record<string, string>>,
  old: Readonly<Record<string, string>>,
  replacement: Readonly<Record<string, string>>
): Promise<{ origin: string; oldHead: string; newHead: string }> {
  const repo = await GitRepo.create()
  await repo.write(root)
  const rootSha = await repo.commit()
  await repo.write(old)
  const oldHead = await repo.commit()
  const origin = await repo.bareOrigin()
  await repo.push()
  await repo.git('reset', '-q', '--hard', rootSha)
  await repo.write(replacement)
  const newHead = await repo.commit()
  await repo.push(true)
  return { origin, oldHead, newHead }
}
