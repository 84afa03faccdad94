// Bundles the action's two entry points (main and post) into dist/ as ESM.
import commonjs from '@rollup/plugin-commonjs'
import nodeResolve from '@rollup/plugin-node-resolve'
import typescript from '@rollup/plugin-typescript'

// Paths from this file's folder, so the config builds the same from any working directory.
const here = (path) => new URL(path, import.meta.url).pathname

const entry = (name) => ({
  input: here(`src/${name}.ts`),
  output: {
    file: here(`dist/${name}.js`),
    format: 'es',
    sourcemap: false,
    // Some CommonJS dependencies call require() on Node built-ins.
    banner:
      "import { createRequire as __gitopsCreateRequire } from 'node:module';\nconst require = __gitopsCreateRequire(import.meta.url);"
  },
  plugins: [
    typescript({ tsconfig: here('tsconfig.build.json') }),
    nodeResolve({ preferBuiltins: true, exportConditions: ['node'] }),
    commonjs()
  ],
  onwarn(warning, warn) {
    // @actions/* and octokit are ESM with `this` at top level in some helpers.
    if (warning.code === 'THIS_IS_UNDEFINED' || warning.code === 'CIRCULAR_DEPENDENCY') return
    warn(warning)
  }
})

export default [entry('index'), entry('post')]
