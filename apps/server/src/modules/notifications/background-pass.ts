/** How long stopping waits for the pass under way: a database that stopped answering must not hold a shutdown. */
const STOP_WAIT_MS = 5_000;

/**
 * A pass of background work run one at a time: every `intervalMs`, and shortly after a poke (a burst
 * of pokes makes one pass); a poke during a pass runs another after it. `stop` waits for the pass
 * under way, up to a few seconds.
 */
export function createBackgroundPass(options: { pass: () => Promise<void>; intervalMs: number; pokeDelayMs: number; onError: (error: unknown) => void }) {
  let timer: NodeJS.Timeout | undefined;
  let poked: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;

  function run(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = options
      .pass()
      .catch(options.onError)
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          run();
        }
      });
  }

  return {
    start: (): void => {
      stopped = false;
      timer = setInterval(run, options.intervalMs);
      timer.unref();
      run();
    },
    poke: (): void => {
      poked ??= setTimeout(() => {
        poked = undefined;
        run();
      }, options.pokeDelayMs);
    },
    stop: async (): Promise<void> => {
      stopped = true;
      if (timer) clearInterval(timer);
      if (poked) clearTimeout(poked);
      let waited: NodeJS.Timeout | undefined;
      await Promise.race([running, new Promise<void>((resolve) => (waited = setTimeout(resolve, STOP_WAIT_MS)))]);
      clearTimeout(waited);
    },
    /** The pass under way, if any. */
    settled: async (): Promise<void> => {
      await running;
    },
  };
}
