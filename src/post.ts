import { cleanup } from './apply/cleanup.js'

await cleanup()
