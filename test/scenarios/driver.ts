/**
 * Moves virtual time. Real work (an HTTP exchange between the SDK and the model, the test
 * listener's `fetch`, a file read) runs in real time while the clock stands still; when nothing is
 * in flight, the driver fires the next timer, whoever set it (the tool's sleep, the SDK's back-off
 * or request timeout, a model event), so time jumps straight to the next thing that happens.
 *
 * In flight means:
 *  - an `http` client request between `http.client.request.start` and its `close` (after the
 *    response body ended, or the socket was torn down), except one the model deliberately hangs:
 *    that one waits for a timer (the SDK's request timeout), so time must move;
 *  - a `fetch` between `undici:request:create` and `undici:request:trailers` / `:error`;
 *  - a file-system, DNS or connect request pending in libuv (an async hook counts them).
 * A few turns of the real event loop with nothing in flight let promise chains settle before
 * the clock moves, so the same scenario takes the same virtual time and calls on every run.
 */
import { createHook } from "node:async_hooks";
import diagnostics from "node:diagnostics_channel";
import type { ClientRequest } from "node:http";
import type { VirtualClock } from "./aws/clock";

const IO_RESOURCES = new Set(["FSREQCALLBACK", "FSREQPROMISE", "FILEHANDLECLOSEREQ", "GETADDRINFOREQWRAP", "GETNAMEINFOREQWRAP", "QUERYWRAP", "TCPCONNECTWRAP", "PIPECONNECTWRAP", "RANDOMBYTESREQUEST"]);
/** Turns of the event loop with nothing in flight before the clock may move. */
const QUIET_TURNS = 4;

const realSetImmediate = setImmediate;
const turn = () => new Promise<void>((resolve) => realSetImmediate(resolve));

/**
 * libuv requests (file reads, DNS, connects) started and not yet called back. Tracked with an
 * async hook from the driver's creation on, so requests that loaders keep open do not count.
 */
class PendingIo {
  private readonly pending = new Set<number>();
  private readonly hook = createHook({
    init: (id, type) => {
      if (IO_RESOURCES.has(type)) this.pending.add(id);
    },
    after: (id) => this.pending.delete(id),
    destroy: (id) => this.pending.delete(id),
  });
  constructor() {
    this.hook.enable();
  }
  get count() {
    return this.pending.size;
  }
  close() {
    this.hook.disable();
  }
}

/** The SDK's ids of one HTTP attempt: the model names a hung exchange by them. */
export const attemptKey = (invocationId: unknown, attempt: unknown) => `${String(invocationId)}|${String(attempt)}`;

export class DriverError extends Error {
  override name = "DriverError";
}

export class Driver {
  private readonly requests = new Set<ClientRequest>();
  private readonly fetches = new Set<object>();
  private readonly io = new PendingIo();
  private readonly subscriptions: [string, (message: unknown) => void][] = [];

  constructor(
    private readonly clock: VirtualClock,
    /** Attempt keys (see attemptKey) of exchanges the model has decided never to answer. */
    private readonly hung: () => ReadonlySet<string>,
  ) {
    this.on("http.client.request.start", ({ request }: { request: ClientRequest }) => {
      this.requests.add(request);
      request.once("close", () => this.requests.delete(request));
    });
    this.on("undici:request:create", ({ request }: { request: object }) => this.fetches.add(request));
    this.on("undici:request:trailers", ({ request }: { request: object }) => this.fetches.delete(request));
    this.on("undici:request:error", ({ request }: { request: object }) => this.fetches.delete(request));
  }

  private on<T>(channel: string, handler: (message: T) => void) {
    const listener = handler as (message: unknown) => void;
    diagnostics.subscribe(channel, listener);
    this.subscriptions.push([channel, listener]);
  }

  close(): void {
    for (const [channel, listener] of this.subscriptions) diagnostics.unsubscribe(channel, listener);
    this.io.close();
  }

  private inFlight(): number {
    const hung = this.hung();
    let count = this.fetches.size;
    for (const request of this.requests) {
      if (!hung.has(attemptKey(request.getHeader("amz-sdk-invocation-id"), request.getHeader("amz-sdk-request")))) count++;
    }
    return count;
  }

  private busy(): boolean {
    return this.inFlight() > 0 || this.io.count > 0;
  }

  /** Waits (in real time) until nothing is in flight for a few turns of the event loop. */
  async settle(): Promise<void> {
    for (let quiet = 0; quiet < QUIET_TURNS; ) {
      await turn();
      quiet = this.busy() ? 0 : quiet + 1;
    }
  }

  /**
   * Runs `work` (a CLI invocation) to its end, moving virtual time whenever it waits. Fails when
   * it outlives `maxVirtualMs` (a CI job's timeout), e.g. waiting on a call nobody answers.
   */
  async run<T>(work: Promise<T>, maxVirtualMs: number, what: string): Promise<T> {
    let outcome: { value: T } | { error: unknown } | undefined;
    work.then(
      (value) => (outcome = { value }),
      (error: unknown) => (outcome = { error }),
    );
    const deadline = this.clock.now() + maxVirtualMs;
    // Time stops at the deadline even when the next timer is days away.
    const cancel = this.clock.at(deadline, () => {});
    try {
      for (;;) {
        await this.settle();
        if (outcome) {
          if ("error" in outcome) throw outcome.error;
          return outcome.value;
        }
        if (this.clock.now() >= deadline) {
          throw new DriverError(`${what} still running after ${maxVirtualMs / 1000}s of virtual time (hung; a CI job would time out)`);
        }
        this.clock.fireNext();
      }
    } finally {
      cancel();
    }
  }

  /** Lets the world alone run until virtual time `time`. */
  async advanceTo(time: number): Promise<void> {
    let reached = false;
    const cancel = this.clock.at(time, () => {
      reached = true;
    });
    try {
      while (!reached) {
        await this.settle();
        if (!this.clock.fireNext()) break;
      }
      await this.settle();
    } finally {
      cancel();
    }
  }

  advance(ms: number): Promise<void> {
    return this.advanceTo(this.clock.now() + ms);
  }
}
