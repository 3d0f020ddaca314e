/**
 * Cleanup on interrupt: the library registers what a SIGINT/SIGTERM must undo (a staging
 * directory, a lock file); the CLI entry point (cli/main.ts) runs them before exiting. The
 * library itself never installs signal handlers or exits.
 */
const actions = new Set<() => void>();

/** Registers `action`; returns the function that unregisters it. */
export function onInterrupt(action: () => void): () => void {
  actions.add(action);
  return () => actions.delete(action);
}

/** Runs every registered action once (latest first); an action that throws does not stop the rest. Returns how many ran. */
export function runInterruptCleanups(): number {
  const count = actions.size;
  for (const action of [...actions].reverse()) {
    actions.delete(action);
    try {
      action();
    } catch {
      /* best effort: the process is exiting */
    }
  }
  return count;
}
