import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// The rules of the house (README, "How it works"), enforced per folder of src/.
// ESLint does not merge one rule's options across blocks, so each folder's block
// lists every restriction that holds for it; later blocks override earlier ones.

/** `core.getInput(...)` or `import { getInput } from '@actions/core'`, by the member's name. */
const coreMembers = (names, message) => [
  {
    selector: `MemberExpression[object.name='core'][property.name=/^(${names.join('|')})$/]`,
    message
  },
  {
    selector: `ImportDeclaration[source.value='@actions/core'] > ImportSpecifier[imported.name=/^(${names.join('|')})$/]`,
    message
  }
]

const INPUT_READERS = ['getInput', 'getBooleanInput', 'getMultilineInput']
const RUNNER_WRITERS = ['setOutput', 'summary', 'error', 'warning', 'notice', 'setFailed']

/** Each restriction: what no-restricted-imports and no-restricted-syntax get. */
const rule = ({ paths = [], patterns = [], syntax = [] }) => ({ paths, patterns, syntax })

const NO_INPUTS = rule({
  syntax: [
    ...coreMembers(INPUT_READERS, 'Only src/config.ts reads inputs: take the value from Config.'),
    ...['name', 'value'].map((key) => ({
      selector: `MemberExpression[object.property.name='env'][property.${key}=/^INPUT_/]`,
      message: 'Only src/config.ts reads inputs: take the value from Config.'
    }))
  ]
})

const noRunnerWrites = (allowed = []) =>
  rule({
    syntax: coreMembers(
      RUNNER_WRITERS.filter((name) => !allowed.includes(name)),
      'Only src/report/ writes outputs, the job summary and annotations: return the fact and let report/ write it.'
    )
  })
const NO_RUNNER_WRITES = noRunnerWrites()

const NO_GIT = rule({
  syntax: [
    {
      selector: "CallExpression[arguments.0.type='Literal'][arguments.0.value='git']",
      message: 'git runs only in src/changes/.'
    }
  ]
})

const NO_CHILD_PROCESS = rule({
  paths: ['node:child_process', 'child_process', '@actions/exec'].map((name) => ({
    name,
    message: 'Start processes through src/process.ts (argument array, masking, cancellation).'
  }))
})

const NO_PROCESSES = rule({
  ...NO_CHILD_PROCESS,
  patterns: [
    {
      regex: '(^|/)process\\.ts$',
      message: 'Only the engine (helm, hooks) and changes/ (git) start processes.'
    }
  ]
})

const NO_ENGINE = rule({
  patterns: [
    {
      regex: '^(\\.\\.?/)+(apply|engine|cluster)/',
      message:
        'Only the engine (src/engine/, src/apply/, src/cluster/) runs helm and hooks or talks to clusters and the store.'
    }
  ]
})

const NO_RUNNER = rule({
  patterns: [
    {
      regex: '^@actions/',
      message: 'src/plan/ is pure: no runner I/O; return values and let the caller act on them.'
    }
  ],
  paths: ['undici', 'node:http', 'node:https', 'node:net'].map((name) => ({
    name,
    message: 'src/plan/ is pure: it reads the checkout only.'
  }))
})

/** Imports of other src/ folders that a folder must not see (the data path flows one way). */
const noFolders = (folders, message) =>
  rule({ patterns: [{ regex: `^(\\.\\.?/)+(${folders.join('|')})/`, message }] })

/** Masking is a leaf every stage uses: it may import nothing of src/ but types.ts. */
const LEAF = rule({
  patterns: [
    {
      regex: '^\\.\\./(?!types\\.ts$)',
      message: 'src/secrets/ is a leaf that every stage imports: it imports nothing of src/.'
    }
  ]
})

const restrict = (...rules) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: rules.flatMap((r) => r.paths),
      patterns: rules.flatMap((r) => r.patterns)
    }
  ],
  'no-restricted-syntax': ['error', ...rules.flatMap((r) => r.syntax)]
})

const ENGINE = [
  'src/apply/**/*.ts',
  'src/engine/**/*.ts',
  'src/cluster/**/*.ts',
  'src/tools/**/*.ts'
]

const houseRules = [
  // Anything in src/ not named below (new folders start here).
  {
    files: ['src/**/*.ts'],
    rules: restrict(NO_INPUTS, NO_RUNNER_WRITES, NO_CHILD_PROCESS, NO_GIT)
  },
  { files: ['src/config.ts'], rules: restrict(NO_RUNNER_WRITES, NO_ENGINE, NO_PROCESSES, NO_GIT) },
  // The entries report a run-level failure themselves.
  {
    files: ['src/main.ts', 'src/preflight.ts'],
    rules: restrict(NO_INPUTS, noRunnerWrites(['setFailed']), NO_CHILD_PROCESS, NO_GIT)
  },
  { files: ['src/process.ts'], rules: restrict(NO_INPUTS, NO_RUNNER_WRITES, NO_GIT) },
  {
    files: ['src/github/**/*.ts'],
    rules: restrict(
      NO_INPUTS,
      NO_RUNNER_WRITES,
      NO_ENGINE,
      NO_PROCESSES,
      NO_GIT,
      noFolders(['changes', 'plan'], 'src/github/ comes first on the data path.')
    )
  },
  {
    files: ['src/changes/**/*.ts'],
    rules: restrict(
      NO_INPUTS,
      NO_RUNNER_WRITES,
      NO_ENGINE,
      NO_CHILD_PROCESS,
      noFolders(['plan'], 'src/changes/ comes before the plan on the data path.')
    )
  },
  {
    files: ['src/plan/**/*.ts'],
    rules: restrict(
      NO_INPUTS,
      NO_RUNNER,
      NO_ENGINE,
      NO_PROCESSES,
      NO_GIT,
      // changes/tree.ts is the one way in: the deployed commit's files, as git lists them.
      rule({
        patterns: [
          {
            regex: '^(\\.\\.?/)+(changes/(?!tree\\.ts$)|github/)',
            message:
              'src/plan/ is pure: it gets the changes and the scope as values (and the commit through changes/tree.ts).'
          }
        ]
      }),
      rule({
        patterns: [
          {
            regex: '^(\\.\\.?/)+report/',
            message: 'src/plan/ returns the plan; report/ prints it.'
          },
          {
            regex: '^(\\.\\.?/)+secrets/',
            message:
              'src/plan/ is pure: it returns leaked credentials with the problem (leakedUrls); main registers them.'
          }
        ]
      })
    )
  },
  {
    files: ENGINE,
    rules: restrict(
      NO_INPUTS,
      NO_RUNNER_WRITES,
      NO_CHILD_PROCESS,
      NO_GIT,
      noFolders(['changes', 'github'], 'The engine gets the plan as a value.')
    )
  },
  {
    files: ['src/report/**/*.ts'],
    rules: restrict(
      NO_INPUTS,
      NO_ENGINE,
      NO_PROCESSES,
      NO_GIT,
      noFolders(
        ['changes', 'github', 'plan'],
        'src/report/ derives everything from the typed values in src/types.ts.'
      )
    )
  },
  {
    files: ['src/secrets/**/*.ts'],
    rules: restrict(NO_INPUTS, NO_RUNNER_WRITES, NO_PROCESSES, NO_GIT, LEAF)
  }
]

/** Unit tests see @actions/core only through its one typed fake, which records what was written. */
const unitTests = {
  files: ['__tests__/unit/**/*.ts'],
  rules: {
    'no-restricted-syntax': [
      'error',
      {
        selector:
          "CallExpression[callee.object.name='vi'][callee.property.name=/^(mock|doMock)$/][arguments.0.value='@actions/core']:not(:has(ImportExpression[source.value=/fakes.core\\.ts$/]))",
        message:
          "Mock @actions/core with its typed fake: vi.mock('@actions/core', () => import('../../support/fakes/core.ts'))."
      },
      {
        selector: "ImportDeclaration[source.value='@actions/core'][importKind!='type']",
        message:
          "Read what the step wrote from the fake: import * as core from '../../support/fakes/core.ts'."
      }
    ]
  }
}

export default tseslint.config(
  // No trailing slash on the caches: a checkout may link them (a symbolic link is no folder).
  { ignores: ['dist/', 'node_modules', '.cache', '.testbed', 'bench/work/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }]
    }
  },
  // Promises: every one awaited or handled, none where a callback must return void.
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error'
    }
  },
  ...houseRules,
  unitTests
)
