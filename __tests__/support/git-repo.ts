import { execFile, spawnSync } from 'node:child_process'
import { mkdtemp, mkdir, rm, symlink, writeFile, rename } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'

// Real git repositories and histories for tests, made with the git CLI: a work
// repository, a local bare origin (standing in for GitHub), and clones of it,
// shallow ones included, as actions/checkout makes them.

const exec = promisify(execFile)

/** Independent of the machine's git config; fixed identities for reproducible commits. */
const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_TERMINAL_PROMPT: '0'
}

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, { cwd, env: GIT_ENV, maxBuffer: 64 * 1024 * 1024 })
  return stdout.trim()
}

const made: string[] = []

export async function tempDir(prefix = 'gitops-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

/** Removes every folder tempDir made; call from afterAll. */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
}

export class GitRepo {
  readonly dir: string

  private constructor(dir: string) {
    this.dir = dir
  }

  static async create(branch = 'main'): Promise<GitRepo> {
    const dir = await tempDir('gitops-repo-')
    await git(dir, 'init', '-q', '-b', branch)
    return new GitRepo(dir)
  }

  /** Writes files (path → content), creating folders. */
  async write(files: Readonly<Record<string, string>>): Promise<this> {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(this.dir, path)), { recursive: true })
      await writeFile(join(this.dir, path), content)
    }
    return this
  }

  async remove(...paths: string[]): Promise<this> {
    for (const path of paths) await rm(join(this.dir, path), { recursive: true })
    return this
  }

  async move(from: string, to: string): Promise<this> {
    await mkdir(dirname(join(this.dir, to)), { recursive: true })
    await rename(join(this.dir, from), join(this.dir, to))
    return this
  }

  async link(path: string, target: string): Promise<this> {
    await mkdir(dirname(join(this.dir, path)), { recursive: true })
    await symlink(target, join(this.dir, path))
    return this
  }

  /** Commits everything in the work tree; returns the new commit's SHA. */
  async commit(message = 'change'): Promise<string> {
    await git(this.dir, 'add', '-A')
    await git(this.dir, 'commit', '-q', '--allow-empty', '-m', message)
    return this.head()
  }

  /** Adds many empty commits on the current branch in one git process (fast-import). */
  async emptyCommits(count: number): Promise<string> {
    const branch = await git(this.dir, 'symbolic-ref', 'HEAD')
    // Dates after the existing commits: git's range walks assume time moves forward.
    const now = Math.floor(Date.now() / 1000) + 1
    const stream = Array.from({ length: count }, (_, i) => {
      const message = `empty ${i + 1}`
      return [
        `commit ${branch}`,
        `committer Test <test@example.com> ${now + i} +0000`,
        `data ${Buffer.byteLength(message)}`,
        message,
        ...(i === 0 ? [`from ${branch}^0`] : []),
        ''
      ].join('\n')
    }).join('\n')
    const result = spawnSync('git', ['fast-import', '--quiet'], {
      cwd: this.dir,
      env: GIT_ENV,
      input: stream
    })
    if (result.status !== 0) throw new Error(`git fast-import failed: ${result.stderr.toString()}`)
    return this.head()
  }

  head(): Promise<string> {
    return git(this.dir, 'rev-parse', 'HEAD')
  }

  git(...args: string[]): Promise<string> {
    return git(this.dir, ...args)
  }

  /**
   * A bare copy standing in for GitHub. Like GitHub, it serves any commit it
   * holds by SHA, even one no branch reaches any more (after a force push).
   */
  async bareOrigin(): Promise<string> {
    const dir = await tempDir('gitops-origin-')
    await git(this.dir, 'clone', '-q', '--bare', '--no-local', this.dir, dir)
    await git(dir, 'config', 'uploadpack.allowAnySHA1InWant', 'true')
    await git(this.dir, 'remote', 'remove', 'origin').catch(() => undefined)
    await git(this.dir, 'remote', 'add', 'origin', dir)
    return dir
  }

  /** Pushes the current branch to origin, with force (a rewritten history). */
  async push(force = false): Promise<void> {
    const branch = await git(this.dir, 'rev-parse', '--abbrev-ref', 'HEAD')
    await git(
      this.dir,
      'push',
      '-q',
      ...(force ? ['--force'] : []),
      'origin',
      `HEAD:refs/heads/${branch}`
    )
  }
}

/**
 * A clone of origin at one commit, as actions/checkout makes it: `depth` 1 is
 * its default (a shallow clone without the base commit); 0 is the full history.
 */
export async function cloneAt(origin: string, sha: string, depth = 1): Promise<string> {
  const dir = await tempDir('gitops-checkout-')
  await git(dir, 'init', '-q')
  await git(dir, 'remote', 'add', 'origin', `file://${origin}`)
  await git(
    dir,
    'fetch',
    '-q',
    '--no-tags',
    ...(depth > 0 ? [`--depth=${depth}`] : []),
    'origin',
    sha
  )
  await git(dir, 'checkout', '-q', '--detach', sha)
  return dir
}

/** Whether a commit is present in a checkout. */
export async function hasCommit(dir: string, sha: string): Promise<boolean> {
  return git(dir, 'cat-file', '-e', `${sha}^{commit}`).then(
    () => true,
    () => false
  )
}
