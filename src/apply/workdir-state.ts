// What the main step records about the run's folder and the post step reads back.
// Free of imports, so the post step's bundle stays small.

export const STATE_KEY = 'gitops-workdir'
export const WORKDIR_PREFIX = 'gitops-action-'
