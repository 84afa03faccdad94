import { cleanup } from './apply/cleanup.ts'

await cleanup()
