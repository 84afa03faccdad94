// Pure: the branch of a target setup's promotions, `gitops/promote/<setup>`.

export const BRANCH_PREFIX = 'gitops/promote/'

/**
 * A setup's parts are letters, digits, '.', '_' and '-', starting and ending with a
 * letter or digit; git refuses a ref part holding '..' or ending in '.lock'. Such a part
 * has its dots written as '@', which no setup part holds: no two setups share a branch.
 */
export function promotionBranch(setup: string): string {
  const parts = setup
    .split('/')
    .map((part) =>
      part.includes('..') || part.endsWith('.lock') ? part.replaceAll('.', '@') : part
    )
  return `${BRANCH_PREFIX}${parts.join('/')}`
}
