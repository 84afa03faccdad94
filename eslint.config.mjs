import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// The rules of the house (README, "How it works"), enforced per folder of src/.
// ESLint does not merge one rule's options across blocks, so each folder's block
// lists every restriction that holds for it; later blocks override earlier ones.

/** Each restriction: what no-restricted-imports and no-restricted-syntax get. */
const rule = ({ paths = [], patterns = [], syntax = [] }) => ({ paths, patterns, syntax })

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

const CORE_SOURCE = '/^@actions\\/core(\\/|$)/'
const CORE_BY_NAME =
  "The house rules know @actions/core by its name: import it as `import * as core from '@actions/core'` and use it only as `core.<member>`."

/**
 * Holds for every file of src/: coreMembers matches by name, so @actions/core comes in only
 * as the namespace `core` (no default import, no other name, no dynamic import or re-export),
 * and `core` itself goes nowhere (no `const c = core`, no `core['getInput']`).
 */
const CORE_ONLY_AS_CORE = rule({
  syntax: [
    {
      selector: `ImportDeclaration[source.value=${CORE_SOURCE}] > :matches(ImportDefaultSpecifier, ImportNamespaceSpecifier[local.name!='core'])`,
      message: CORE_BY_NAME
    },
    { selector: `:not(ImportDeclaration) > Literal[value=${CORE_SOURCE}]`, message: CORE_BY_NAME },
    {
      selector:
        ":not(MemberExpression[computed=false], ImportNamespaceSpecifier, TSQualifiedName) > Identifier[name='core']",
      message: CORE_BY_NAME
    }
  ]
})

const INPUT_READERS = ['getInput', 'getBooleanInput', 'getMultilineInput']
const RUNNER_WRITERS = ['setOutput', 'summary', 'error', 'warning', 'notice', 'setFailed']

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

/** `git`, `/usr/bin/git` or `git.exe` as a whole string, the way a process would be started. */
const GIT_PROGRAM = '/^(.*[\\/\\\\])?git(\\.exe)?$/i'
const NO_GIT = rule({
  syntax: [
    // A type ('git' | 'compare-api' | ...) starts nothing.
    { selector: `:not(TSLiteralType) > Literal[value=${GIT_PROGRAM}]` },
    {
      selector: `TemplateLiteral[expressions.length=0] > TemplateElement[value.cooked=${GIT_PROGRAM}]`
    }
  ].map((r) => ({
    ...r,
    message: 'git runs only in src/changes/: the program name git appears nowhere else.'
  }))
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

/** A pure folder: no runner I/O, no network; it returns values and the caller acts on them. */
const pure = (folder) =>
  rule({
    patterns: [
      {
        regex: '^@actions/',
        message: `${folder} is pure: no runner I/O; return values and let the caller act on them.`
      }
    ],
    paths: ['undici', 'node:http', 'node:https', 'node:net'].map((name) => ({
      name,
      message: `${folder} is pure: no network; it gets what it needs as values.`
    }))
  })

/** Imports of other src/ folders that a folder must not see (the data path flows one way). */
const noFolders = (folders, message) =>
  rule({ patterns: [{ regex: `^(\\.\\.?/)+(${folders.join('|')})/`, message }] })

/** A leaf: it imports nothing of src/ outside its folder but `allowed` (relative to src/). */
const leaf = (allowed, message) =>
  rule({ patterns: [{ regex: `^(\\.\\./)+(?!\\.\\./|${allowed})`, message }] })

/** Masking is a leaf every stage uses: it may import nothing of src/ but types/. */
const LEAF = leaf(
  'types/',
  'src/secrets/masking.ts is a leaf that every stage imports: it imports nothing of src/.'
)

// Text reaches the log only through @actions/core, untrusted text through
// report/untrusted-text.ts (masked, workflow commands neutralised).
const DIRECT_OUTPUT =
  'Print through @actions/core (text the action did not write through report/untrusted-text.ts): console and process.stdout/stderr bypass masking and the workflow-command guard.'

/** Holds in every block: no-restricted-* take one list of options a file. */
const EVERYWHERE = rule({
  ...CORE_ONLY_AS_CORE,
  paths: ['node:process', 'process'].map((name) => ({
    name,
    importNames: ['stdout', 'stderr'],
    message: DIRECT_OUTPUT
  }))
})

const restrict = (...folderRules) => {
  const rules = [EVERYWHERE, ...folderRules]
  return {
    'no-restricted-imports': [
      'error',
      {
        paths: rules.flatMap((r) => r.paths),
        patterns: rules.flatMap((r) => r.patterns)
      }
    ],
    'no-restricted-syntax': ['error', ...rules.flatMap((r) => r.syntax)]
  }
}

const ENGINE = [
  'src/apply/**/*.ts',
  'src/secrets/sops-*.ts',
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
      pure('src/plan/'),
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
        'src/report/ derives everything from the typed values in src/types/.'
      )
    )
  },
  {
    files: ['src/secrets/masking.ts'],
    rules: restrict(NO_INPUTS, NO_RUNNER_WRITES, NO_PROCESSES, NO_GIT, LEAF)
  },
  {
    files: ['src/render/**/*.ts'],
    rules: restrict(
      pure('src/render/'),
      NO_INPUTS,
      NO_ENGINE,
      NO_PROCESSES,
      NO_GIT,
      leaf(
        'types/',
        'src/render/ is pure building blocks (objects, redaction, diffs): it imports nothing of src/ but types/; pass values in.'
      )
    )
  },
  {
    files: ['src/types/**/*.ts'],
    rules: restrict(
      pure('src/types/'),
      NO_PROCESSES,
      NO_GIT,
      rule({
        patterns: [
          {
            regex: '^\\.\\./',
            message:
              'src/types/ is the vocabulary every stage shares: it imports nothing of src/ outside it.'
          }
        ]
      })
    )
  },
  // Separate rules, so one block holds for all of src/ and one file may be let off.
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'console', message: DIRECT_OUTPUT }],
      'no-restricted-properties': [
        'error',
        ...['stdout', 'stderr'].map((property) => ({
          object: 'process',
          property,
          message: DIRECT_OUTPUT
        })),
        ...['globalThis', 'global'].map((object) => ({
          object,
          property: 'console',
          message: DIRECT_OUTPUT
        }))
      ]
    }
  },
  // The post step loads no @actions/* package (that costs more than the step) and
  // prints only its own text: the folder it removed, escaped as command data.
  { files: ['src/apply/cleanup.ts'], rules: { 'no-restricted-globals': 'off' } }
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
