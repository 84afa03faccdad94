// The whole fault-suite harness in one import: the bed and runs (action.ts), ops
// repositories and the per-file fixture (ops.ts), and the checks of outcomes (outcomes.ts).
export * from './action.ts'
export * from './ops.ts'
export * from './outcomes.ts'
