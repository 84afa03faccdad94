import { describe, expect, it } from 'vitest'
import { writtenBy } from '../../../src/github/authorship.ts'

describe('writtenBy: only what the token itself wrote', () => {
  it.each([
    ['GITHUB_TOKEN, its own', 'github-actions[bot]', 'github-actions[bot]', true],
    ["an App's token, its own", 'deployer[bot]', 'deployer[bot]', true],
    ['a personal token, its user', 'octocat', 'octocat', true],
    ['another user', 'mallory', 'github-actions[bot]', false],
    ["another App's bot", 'other[bot]', 'deployer[bot]', false],
    ['the account named like the App', 'deployer', 'deployer[bot]', false],
    ['the App named like the account', 'octocat[bot]', 'octocat', false],
    ['another case of the login', 'OctoCat', 'octocat', false],
    ['a deleted account', undefined, 'github-actions[bot]', false],
    ['a deleted account, an empty identity', undefined, '', false]
  ])('%s', (_name, author, identity, ours) => {
    expect(writtenBy({ author }, identity)).toBe(ours)
  })
})
