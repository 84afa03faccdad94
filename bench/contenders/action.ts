import { execFileSync } from 'node:child_process'
import { chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runAction, type ActionRun } from '../../__tests__/support/action-runner.ts'
import { mirrorUrl } from '../../__tests__/support/testbed.ts'
import type { BenchContext } from '../context.ts'
import { COMMIT_OF, REPO_ALIAS, type BenchRelease, type OpsRepo, type Phase } from '../ops-repo.ts'
import { unionLength } from '../stats.ts'
import { freshHelmHome, type Contender } from './contender.ts'

// (c) The action: the built dist/index.js (and dist/post.js where post-if starts it) run as the runner
// runs them (through the tests' action-runner), for a push that installs every
// plan, a push that upgrades every plan, and the upgrade's push run again: a re-sync
// of plans that already deploy, which the action reports `unchanged` without upgrading.

/**
 * Loaded into the action's node processes through NODE_OPTIONS: counts the helm
 * processes it starts (every child goes through child_process.spawn) and records
 * that count, the process's own CPU time and its peak RSS at exit.
 */
const PROBE = `'use strict'
const childProcess = require('node:child_process')
const { basename } = require('node:path')
const spawn = childProcess.spawn
let helm = 0
childProcess.spawn = function (file, ...rest) {
  if (basename(String(file)) === 'helm') helm++
  return spawn.call(this, file, ...rest)
}
// The bundle imports spawn as an ES module binding: make it see the counting one.
require('node:module').syncBuiltinESMExports()
process.on('exit', () => {
  const usage = process.resourceUsage()
  const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000
  const line = JSON.stringify({ script: process.argv[1], maxRssKb: usage.maxRSS, cpuMs, helm }) + '\\n'
  require('node:fs').appendFileSync(process.env.BENCH_PROBE_FILE, line)
})
`

/** A command that logs when each call starts and ends (bash's EPOCHREALTIME, µs), then exits as the real one did. */
function timingWrapper(real: string, log: string): string {
  const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`
  return `#!/usr/bin/env bash
start=$EPOCHREALTIME
${q(real)} "$@"
rc=$?
printf '%s %s %s\\n' "$start" "$EPOCHREALTIME" "$1" >>${q(log)}
exit $rc
`
}

interface Calls {
  /** Time covered by the calls (overlaps counted once), ms. */
  readonly ms: number
  readonly count: number
  /** By subcommand (`list`, `install`, `diff`, ...). */
  readonly by: Readonly<Record<string, number>>
}

function readCalls(log: string): Calls {
  const calls = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' '))
  const by: Record<string, number> = {}
  for (const [, , sub] of calls) by[sub ?? '?'] = (by[sub ?? '?'] ?? 0) + 1
  return {
    ms: unionLength(calls.map(([s, e]) => [Number(s) * 1000, Number(e) * 1000] as const)),
    count: calls.length,
    by
  }
}

export interface ActionSetup {
  readonly context: BenchContext
  readonly repo: OpsRepo
  /** `helm-download-url` for the bed's mirror; the tool cache is shared by every run, so only the first downloads. */
  readonly toolCache: string
}

/** What every plan's result must be after each phase, else the run is no measurement. */
const EXPECTED: Readonly<Record<Phase, { operation: string; status: string }>> = {
  install: { operation: 'install', status: 'succeeded' },
  upgrade: { operation: 'upgrade', status: 'succeeded' },
  noop: { operation: 'upgrade', status: 'unchanged' }
}

/** Every affected plan must have the phase's result, else the run is no measurement. */
function checkResults(
  run: ActionRun,
  releases: readonly BenchRelease[],
  phase: Phase,
  what: string
): void {
  const problems: string[] = []
  if (run.code !== 0) problems.push(`exit code ${run.code}`)
  for (const r of releases) {
    const result = run.results.find((x) => x.plan === r.plan)
    if (!result) problems.push(`${r.plan}: no result`)
    else if (
      result.status !== EXPECTED[phase].status ||
      result.operation !== EXPECTED[phase].operation
    ) {
      problems.push(
        `${r.plan}: ${result.operation} ${result.status}${result.error ? `: ${result.error}` : ''}`
      )
    }
  }
  if (run.results.length !== releases.length) {
    problems.push(`${run.results.length} results for ${releases.length} plans`)
  }
  if (problems.length > 0) {
    const tail = `${run.log}\n${run.stderr}`.trim().split('\n').slice(-30).join('\n')
    throw new Error(
      `bench: ${what} (${phase}) did not do its work:\n  ${problems.join('\n  ')}\n--- its log ---\n${tail}`
    )
  }
}

function pushEvent(repo: OpsRepo, phase: Phase): object {
  const commit = COMMIT_OF[phase]
  const before = commit === 'install' ? repo.commits.base : repo.commits.install
  const after = repo.commits[commit]
  const paths = repo.releases.flatMap((r) => [r.plan, r.values])
  return {
    ref: 'refs/heads/main',
    before,
    after,
    created: false,
    deleted: false,
    forced: false,
    repository: { full_name: 'octo-org/ops', name: 'ops', owner: { login: 'octo-org' } },
    commits: [
      {
        id: after,
        added: commit === 'install' ? paths : [],
        removed: [],
        modified: commit === 'upgrade' ? paths : []
      }
    ],
    head_commit: { id: after }
  }
}

interface RunOptions {
  readonly inputs?: Readonly<Record<string, string>>
  readonly env?: Readonly<Record<string, string>>
}

async function runPush(setup: ActionSetup, phase: Phase, options: RunOptions): Promise<ActionRun> {
  const { context, repo } = setup
  const { helmMirror, ca } = context.bed
  return runAction({
    workspace: repo.dir,
    eventName: 'push',
    event: pushEvent(repo, phase),
    toolCache: setup.toolCache,
    inputs: {
      'github-token': 'bench-token',
      'kubeconfig-store-url': `file://${join(context.work, 'store')}`,
      'helm-version': context.bed.helm4Version,
      'helm-download-url': mirrorUrl(helmMirror),
      'helm-repositories': `${REPO_ALIAS} ${context.chartRepo}`,
      ...options.inputs
    },
    env: {
      ...stringEnv(context.env),
      ...freshHelmHome(context.work),
      NODE_EXTRA_CA_CERTS: ca,
      ...options.env
    },
    timeoutMs: 600_000
  })
}

/** The bench's kubeconfig store: `<setup>/kubeconfig.yaml`, each a copy of its cluster's kubeconfig. */
export function writeStore(context: BenchContext, repo: OpsRepo): void {
  for (const r of repo.releases) {
    const dir = join(context.work, 'store', r.setup)
    mkdirSync(dir, { recursive: true })
    cpSync(context.kubeconfigs[r.cluster]!, join(dir, 'kubeconfig.yaml'))
  }
}

/** `BENCH_CPU_PROF=<dir>`: each run of the action writes a V8 CPU profile into `<dir>/<phase>/`. */
function cpuProfile(phase: Phase): string {
  const dir = process.env.BENCH_CPU_PROF
  return dir ? ` --cpu-prof --cpu-prof-dir=${join(dir, phase)}` : ''
}

export function theAction(setup: ActionSetup): Contender {
  const probeFile = join(setup.context.work, 'action-probe.jsonl')
  const probe = join(setup.context.work, 'action-probe.cjs')
  writeFileSync(probe, PROBE)
  return {
    name: 'action',
    resyncUpgrades: false,
    async run(phase) {
      writeFileSync(probeFile, '')
      const run = await runPush(setup, phase, {
        env: { NODE_OPTIONS: `--require ${probe}${cpuProfile(phase)}`, BENCH_PROBE_FILE: probeFile }
      })
      checkResults(run, setup.repo.releases, phase, 'the action')
      const processes = probed(probeFile)
      // The post step starts only after a failed main step (post-if), and this one succeeded.
      if (processes.length < 1)
        throw new Error(`bench: the probe saw no node process, expected the main step's`)
      return {
        ms: run.durationMs + (run.post?.durationMs ?? 0),
        peakRssKb: Math.max(...processes.map((p) => p.maxRssKb)),
        helmProcesses: processes.reduce((n, p) => n + p.helm, 0),
        ownCpuMs: processes.reduce((n, p) => n + p.cpuMs, 0)
      }
    }
  }
}

interface Probed {
  readonly maxRssKb: number
  readonly cpuMs: number
  readonly helm: number
}

function probed(file: string): Probed[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Probed)
}

/** The action's own time on one setup, where nothing overlaps: wall time minus its helm calls. */
export interface OverheadRun {
  /** main (+ post, where post-if starts it), spawn to exit. */
  readonly wallMs: number
  readonly postMs: number
  readonly helm: Calls
  /** Counted as the action's own time; logged to show how much of it is git. */
  readonly git: Calls
  readonly overheadMsPerPlan: number
}

/**
 * Runs the action on the first setup only (`plans: <setup>/**`) with a helm that
 * logs its calls (`helm-version: system`, the wrapper first on PATH).
 */
export function overheadProbe(setup: ActionSetup, onlySetup: string) {
  const { context } = setup
  const bin = join(context.work, 'timing-wrappers')
  const helmLog = join(context.work, 'helm-calls.log')
  const gitLog = join(context.work, 'git-calls.log')
  mkdirSync(bin, { recursive: true })
  const realGit = execFileSync('bash', ['-c', 'command -v git'], { encoding: 'utf8' }).trim()
  for (const [name, real, log] of [
    ['helm', context.helm, helmLog],
    ['git', realGit, gitLog]
  ] as const) {
    writeFileSync(join(bin, name), timingWrapper(real, log))
    chmodSync(join(bin, name), 0o755)
  }
  const releases = setup.repo.releases.filter((r) => r.setup === onlySetup)
  return {
    releases,
    async run(phase: Phase): Promise<OverheadRun> {
      writeFileSync(helmLog, '')
      writeFileSync(gitLog, '')
      const run = await runPush(setup, phase, {
        inputs: { 'helm-version': 'system', plans: `${onlySetup}/**` },
        env: { PATH: `${bin}:${process.env.PATH ?? ''}` }
      })
      checkResults(run, releases, phase, 'the action on one setup')
      const wallMs = run.durationMs + (run.post?.durationMs ?? 0)
      const helm = readCalls(helmLog)
      return {
        wallMs,
        postMs: run.post?.durationMs ?? 0,
        helm,
        git: readCalls(gitLog),
        overheadMsPerPlan: (wallMs - helm.ms) / releases.length
      }
    }
  }
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)
  )
}
