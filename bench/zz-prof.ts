import { runAction } from '../__tests__/support/action-runner.ts'
const r = await runAction({
  workspace: '/tmp',
  eventName: 'push',
  event: {
    ref: 'refs/tags/v1.0.0',
    before: '0'.repeat(40),
    after: 'a'.repeat(40),
    repository: { full_name: 'octo-org/ops' },
    commits: []
  },
  inputs: { 'github-token': 'bench-token' },
  post: false,
  env: { NODE_OPTIONS: '--cpu-prof --cpu-prof-dir=/tmp/prof' }
})
console.log(r.code, r.durationMs)
