// First: checks the event file before any dependency reads it (see preflight.ts).
import './preflight.ts'
import { run } from './main.ts'

await run()
