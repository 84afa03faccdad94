import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as core from '@actions/core'
import { resultsDocument, type RunFacts } from '../fleet/results-format.ts'
import { mask } from '../secrets/masking.ts'

// Every run leaves its results as a file (the `results-file` output) for a report
// job to merge: outputs overwrite each other across matrix legs and hold 1 MB, a file
// uploaded as an artifact does neither. Masked like everything else the run writes.

/** Writes the run's results file under RUNNER_TEMP and sets `results-file` to its path. */
export async function writeResultsFile(facts: RunFacts): Promise<string> {
  const dir = await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'gitops-results-'))
  // Artifacts downloaded with merge-multiple land in one folder: the shard names the file.
  const path = join(dir, `gitops-results${facts.shard?.id ? `-${facts.shard.id}` : ''}.json`)
  await writeFile(path, JSON.stringify(resultsDocument(facts, mask)) + '\n', {
    mode: 0o600
  })
  core.setOutput('results-file', path)
  return path
}
