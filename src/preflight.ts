import { EventError, readPayload } from './github/event.ts'
import { reportRunFailure } from './report/report.ts'

// Evaluated before every other module of the action (index.ts imports it first):
// @actions/github builds `github.context` when it is imported, and JSON-parses the
// event file there, outside any try. An unreadable or non-JSON payload would crash the
// action with a bare stack trace and no annotation; this fails the step with the
// clear error readEvent gives instead.
const path = process.env.GITHUB_EVENT_PATH
if (path) {
  try {
    readPayload(path)
  } catch (error) {
    if (!(error instanceof EventError)) throw error
    await reportRunFailure(error.message)
    process.exit(1)
  }
}
