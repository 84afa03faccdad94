import { glob, open, readdir, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { errorMessage } from '../error-message.ts'
import { parseResultsFile, ResultsFileError } from './results-format.ts'
import { FleetReportError, type ReadResultsFile } from './merge.ts'

// The results files a report job was given: `results-path` is a folder (every
// *.json below it, as actions/download-artifact lays artifacts down, one folder
// each) or a glob. Each read is bounded; each problem names its file.

/** More files than a fleet's waves could write (256 jobs a wave, a few waves). */
const MAX_FILES = 4096
/** A file of 6,000 plans with previews' diffs is a few MiB; more is not a results file. */
const MAX_FILE_BYTES = 64 * 1024 * 1024

export async function readResultsFiles(
  resultsPath: string,
  workspace: string
): Promise<ReadResultsFile[]> {
  if (resultsPath === '')
    throw new FleetReportError(
      "mode: report needs the results-path input: the folder (or a glob) where actions/download-artifact put the deploy jobs' results files"
    )
  const files = (await filesOf(resultsPath, workspace)).sort()
  if (files.length === 0)
    throw new FleetReportError(
      `results-path '${resultsPath}' holds no results file (*.json): did the deploy jobs upload their results-file output, and did actions/download-artifact download them there?`
    )
  if (files.length > MAX_FILES)
    throw new FleetReportError(
      `results-path '${resultsPath}' holds ${files.length} .json files; a report reads at most ${MAX_FILES}: point it at this run's results only`
    )
  const read: ReadResultsFile[] = []
  for (const file of files)
    read.push({ file, doc: parseResultsFile(await readBounded(file), file) })
  return read
}

async function filesOf(resultsPath: string, workspace: string): Promise<string[]> {
  const path = resolve(workspace, resultsPath)
  const found = await stat(path).catch(() => undefined)
  if (found?.isDirectory()) return jsonBelow(path)
  if (found?.isFile()) return [path]
  const matched: string[] = []
  for await (const file of glob(resultsPath, { cwd: workspace }))
    matched.push(resolve(workspace, file))
  return matched
}

async function jsonBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => join(e.parentPath, e.name))
}

async function readBounded(file: string): Promise<string> {
  let handle
  try {
    handle = await open(file, 'r')
    const { size } = await handle.stat()
    if (size > MAX_FILE_BYTES)
      throw new ResultsFileError(
        `${file}: is ${size} bytes; a results file is at most ${MAX_FILE_BYTES}: this is not one`
      )
    return await handle.readFile('utf8')
  } catch (error) {
    if (error instanceof ResultsFileError) throw error
    throw new ResultsFileError(`${file}: cannot be read: ${errorMessage(error)}`)
  } finally {
    await handle?.close()
  }
}
