import { createRequire as __gitopsCreateRequire } from 'node:module';
const require = __gitopsCreateRequire(import.meta.url);
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';

// What the main step records about the run's folder and the post step reads back.
// Free of imports, so the post step's bundle stays small.
const STATE_KEY = 'gitops-workdir';
const WORKDIR_PREFIX = 'gitops-action-';

// What a thrown value says, whatever was thrown: every folder of src/ may import this.
/** The message of an Error, or the thrown value as text. */
function errorMessage(error) {
    return error instanceof Error ? error.message : String(error);
}

// The post step: remove the run's folder (kubeconfigs, decrypted values, helm repository
// config) if the main step could not, killed before it ended.
// It imports no @actions/* package: loading one costs more than this whole step.
// The runner hands the main step's saved state over as STATE_<name>, and a
// workflow command is a plain line on stdout.
async function cleanup() {
    const dir = process.env[`STATE_${STATE_KEY}`];
    // The main step removes it as it ends: there is nothing left to say.
    if (!dir || !existsSync(dir))
        return;
    // Only ever a folder this action made.
    if (!basename(dir).startsWith(WORKDIR_PREFIX)) {
        warning(`not removing ${dir}: it is not a folder gitops-action created`);
        return;
    }
    try {
        await rm(dir, { recursive: true, force: true });
        console.log(`Removed ${dir} (kubeconfigs, decrypted values and helm repository config of this run)`);
    }
    catch (error) {
        warning(`could not remove ${dir}: ${errorMessage(error)}`);
    }
}
/** `::warning::` with the runner's escaping of command data. */
function warning(message) {
    const data = message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
    console.log(`::warning::${data}`);
}

await cleanup();
