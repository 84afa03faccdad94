import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { cpus, loadavg, release, totalmem } from 'node:os'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { rollup, type OutputOptions, type RollupOptions } from 'rollup'
import { runAction } from '../__tests__/support/action-runner.ts'
import { timedOk } from './measure.ts'
import { summarize, type Summary } from './stats.ts'

// The figures beside the contest: the machine, the action's cold start, planning time.

export interface Machine {
  readonly cpu: string
  readonly cores: number
  readonly memory_gb: number
  readonly os: string
  /**
   * 1-minute load average when the run started and ended, and its highest after any
   * contender's round: above `cores`, others competed for the CPUs.
   */
  readonly load_average: { readonly start: number; readonly end: number; readonly max: number }
}

export function loadNow(): number {
  return Math.round(loadavg()[0]! * 100) / 100
}

export function machine(loads: readonly number[]): Machine {
  const list = cpus()
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memory_gb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${process.platform} ${release()}`,
    load_average: {
      start: loads[0] ?? loadNow(),
      end: loadNow(),
      max: Math.max(loadNow(), ...loads)
    }
  }
}

export function gitRevision(root: string): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      cwd: root,
      encoding: 'utf8'
    }).trim()
    // Uncommitted source changes make the figures those of no commit (dist/ is build output, not checked here).
    const dirty = execFileSync(
      'git',
      ['status', '--porcelain', '--untracked-files=no', '--', 'src'],
      { cwd: root, encoding: 'utf8' }
    ).trim()
    return dirty ? `${sha}+dirty` : sha
  } catch {
    return 'unknown'
  }
}

/**
 * Why dist/ is not what the sources build now, or undefined when it is. Compared by content
 * (the check-dist build, kept in memory), since a fresh clone's file times say nothing.
 */
export async function distDrift(root: string): Promise<string | undefined> {
  const config = (await import(pathToFileURL(join(root, 'rollup.config.mjs')).href)) as {
    default: RollupOptions[]
  }
  const differing: string[] = []
  for (const options of config.default) {
    const output = options.output as OutputOptions & { file: string }
    if (!existsSync(output.file))
      throw new Error(`bench: ${output.file} is missing: run \`npm run build\` first`)
    const bundle = await rollup(options)
    try {
      const [chunk] = (await bundle.generate(output)).output
      if (readFileSync(output.file, 'utf8') !== chunk.code)
        differing.push(relative(root, output.file))
    } finally {
      await bundle.close()
    }
  }
  return differing.length > 0
    ? `${differing.join(' and ')} differ from what the sources build: run \`npm run build\` to measure the current code`
    : undefined
}

export interface ColdStart {
  /** A fresh `node dist/index.js` for an event that deploys nothing (a tag push), start to exit. */
  readonly action: Summary
  /** `node -e 0` on the same machine: the part of it that is Node's own start-up. */
  readonly node: Summary
}

/**
 * Runs each `runs` times after two unmeasured runs (the file cache is warm: it is the
 * fixed cost every run pays), in the benchmark's ops repository as the workspace.
 */
export async function coldStart(workspace: string, runs: number): Promise<ColdStart> {
  const action: number[] = []
  const node: number[] = []
  for (let i = 0; i < runs + 2; i++) {
    const run = await runAction({
      workspace,
      eventName: 'push',
      event: {
        ref: 'refs/tags/v1.0.0',
        before: '0'.repeat(40),
        after: 'a'.repeat(40),
        repository: { full_name: 'octo-org/ops' },
        commits: []
      },
      inputs: { 'github-token': 'bench-token' },
      post: false
    })
    if (run.code !== 0)
      throw new Error(`bench: dist/index.js failed on a tag push:\n${run.log}\n${run.stderr}`)
    const bare = await timedOk('node -e 0', process.execPath, ['-e', '0'])
    if (i >= 2) {
      action.push(run.durationMs)
      node.push(bare.ms)
    }
  }
  return { action: summarize(action), node: summarize(node) }
}

/** bench/planning.ts's figures: the plan of a push touching 5,000 files, wall and CPU. */
export async function planning(): Promise<{ ms: number; cpuMs: number }> {
  const { measure } = await import('./planning.ts')
  return measure()
}
