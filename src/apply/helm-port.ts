import type { EnginePorts, HelmCall, HelmPort } from '../engine/ports.ts'
import { HelmError, helmRun, type Helm } from './helm.ts'
import {
  applyArgs,
  dependencyBuildArgs,
  historyArgs,
  hooksArgs,
  manifestArgs,
  registryLoginArgs,
  repoAddArgs,
  rollbackArgs,
  statusArgs,
  templateArgs,
  templateWithCrdsArgs,
  testArgs,
  uninstallArgs,
  userValuesArgs
} from './helm-args.ts'
import { runHooks } from './hooks.ts'

// The real ports: helm's arguments built by helm-args.ts, the binary run by helmRun.

/** helm's answer when a release has no history at all. */
const NOT_FOUND = /release: not found/i

export function helmPort(helm: Helm): HelmPort {
  const call = async (args: string[], context: HelmCall, input?: string): Promise<string> => {
    context.announce?.(`helm ${args.join(' ')}`)
    const { env, signal, onLine } = context
    return (await helmRun(helm, args, { env, signal, onLine, input })).stdout
  }
  return {
    path: helm.path,
    major: helm.major,
    apply: (input, context) => call(applyArgs(input), context),
    uninstall: async (target, context) => void (await call(uninstallArgs(target), context)),
    rollback: async (target, revision, context) =>
      void (await call(rollbackArgs(target, revision), context)),
    template: (input, context) =>
      call(input.includeCrds ? templateWithCrdsArgs(input) : templateArgs(input), context),
    history: async (target, context) => {
      try {
        return await call(historyArgs(target), context)
      } catch (error) {
        if (error instanceof HelmError && NOT_FOUND.test(error.result.stderr)) return undefined
        throw error
      }
    },
    manifest: (target, context) => call(manifestArgs(target), context),
    hooks: (target, context) => call(hooksArgs(target), context),
    values: (target, context) => call(userValuesArgs(target), context),
    status: (target, context) => call(statusArgs(target), context),
    test: async (target, timeout, context) => void (await call(testArgs(target, timeout), context)),
    repoAdd: async (name, url, login, context) =>
      void (await call(repoAddArgs(name, url, login?.username), context, login?.password)),
    registryLogin: async (host, login, context) =>
      void (await call(registryLoginArgs(host, login.username), context, login.password)),
    dependencyBuild: async (chartDir, context) =>
      void (await call(dependencyBuildArgs(chartDir), context))
  }
}

export function enginePorts(helm: Helm): EnginePorts {
  return { helm: helmPort(helm), hooks: { run: runHooks } }
}
