import { CommandFailure } from "../cli/run";

/**
 * Exit codes of the release tool. CI jobs and the runbook rely on them, so they are fixed:
 *   0  done (or nothing to do: already in the requested state)
 *   1  a release check failed: deployment failed, verification failed, or a switch was aborted
 *      and production traffic was put back where it was
 *   2  bad usage or missing/malformed stack outputs: nothing was changed
 *   3  refused: a precondition does not hold (idle color not verified, a switch is half-way),
 *      or another run or a person changed a listener under this run (e.g. rolled back during
 *      a switch's bake). This run changed nothing, or stopped and left the listener as it
 *      found it: the other party's change wins and is theirs to finish
 *   4  needs a human: production traffic stays on a color that failed its checks, because a
 *      switch was aborted and restoring the previous weights failed as well, or `watch
 *      --rollback` found problems and could not roll back
 */
export const ExitCode = {
  ok: 0,
  checkFailed: 1,
  usage: 2,
  refused: 3,
  manualInterventionRequired: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An expected failure with the exit code it maps to; anything else is a bug or an AWS error. */
export class ReleaseError extends CommandFailure {
  constructor(
    message: string,
    override readonly exitCode: ExitCode,
  ) {
    super(message, exitCode);
    this.name = "ReleaseError";
  }
}

export const usageError = (message: string) => new ReleaseError(message, ExitCode.usage);
export const refused = (message: string) => new ReleaseError(message, ExitCode.refused);
export const checkFailed = (message: string) => new ReleaseError(message, ExitCode.checkFailed);
