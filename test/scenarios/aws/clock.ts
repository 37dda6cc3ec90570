/**
 * The one virtual clock of a scenario. `@sinonjs/fake-timers` replaces the global `setTimeout`,
 * `setInterval` and `Date` (not `setImmediate`, `nextTick` or `queueMicrotask`, so promises and
 * I/O still run for real): the release tool's sleeps, the SDK's retry back-off, adaptive rate
 * limiter and request timeout, and every state change of the model all sit in the same timer
 * queue. Nothing moves until the driver (test/scenarios/driver.ts) fires the next timer.
 *
 * `Math.random` is replaced by a seeded generator for the same reason: the SDK jitters its retry
 * back-off with it, and the same scenario must take the same virtual time every run.
 */
import FakeTimers from "@sinonjs/fake-timers";

/** A deterministic PRNG (mulberry32): small, fast, good enough for jitter and shuffles. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

const nodeDelay = (delay: unknown) => {
  const ms = Number(delay);
  return ms >= 1 && ms <= MAX_TIMEOUT_MS ? ms : 1;
};

export interface Cancel {
  (): void;
}

export class VirtualClock {
  private readonly fake: FakeTimers.Clock;
  private readonly realRandom = Math.random;
  readonly startedAt: number;

  private constructor(start: number, seed: number) {
    this.fake = FakeTimers.install({
      now: start,
      toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
      // Timers created before the install (Node internals, undici) are cleared for real.
      shouldClearNativeTimers: true,
      loopLimit: 10_000_000,
    });
    // Node runs a timer of less than 1 ms (or NaN, or more than 2^31-1) after 1 ms; fake-timers
    // runs it at once. The SDK's adaptive rate limiter waits fractions of a millisecond in a loop
    // until its token bucket refills, which only time can do: give the tool Node's rule.
    const fakeSetTimeout = globalThis.setTimeout;
    globalThis.setTimeout = Object.assign((fn: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) => fakeSetTimeout(fn, nodeDelay(delay), ...args), fakeSetTimeout);
    Math.random = seededRandom(seed);
    this.startedAt = start;
  }

  /** Installs the clock globally; `uninstall` must run whatever happens (the harness's `after`). */
  static install(start: number, seed: number): VirtualClock {
    return new VirtualClock(start, seed);
  }

  uninstall(): void {
    Math.random = this.realRandom;
    this.fake.uninstall();
  }

  now(): number {
    return this.fake.now;
  }

  elapsedMs(): number {
    return this.fake.now - this.startedAt;
  }

  /** Fires the earliest timer, moving the clock to its time; false when none is left. */
  fireNext(): boolean {
    if (this.fake.countTimers() === 0) return false;
    this.fake.next();
    return true;
  }

  /** Runs `fn` at virtual time `time` (now if it is past), however far ahead that is. */
  at(time: number, fn: () => void): Cancel {
    let id: FakeTimers.TimerId;
    // setTimeout takes at most 2^31-1 ms (about 24.8 days); longer waits go in legs.
    const arm = () => {
      const delay = time - this.fake.now;
      id = delay > MAX_TIMEOUT_MS ? this.fake.setTimeout(arm, MAX_TIMEOUT_MS) : this.fake.setTimeout(fn, Math.max(0, delay));
    };
    arm();
    return () => this.fake.clearTimeout(id);
  }

  after(ms: number, fn: () => void): Cancel {
    return this.at(this.fake.now + ms, fn);
  }

  /**
   * Runs `fn` at every multiple of `periodMs` (plus `offsetMs`) of virtual time, like a service
   * that acts on its own schedule (health checks, metric publication, alarm evaluation).
   */
  every(periodMs: number, offsetMs: number, fn: () => void): Cancel {
    let cancelled = false;
    let cancelNext: Cancel = () => {};
    const schedule = () => {
      const next = Math.floor((this.fake.now - offsetMs) / periodMs) * periodMs + periodMs + offsetMs;
      cancelNext = this.at(next, () => {
        if (cancelled) return;
        schedule();
        fn();
      });
    };
    schedule();
    return () => {
      cancelled = true;
      cancelNext();
    };
  }
}
