/**
 * The form of a release version, as `npm run bundle -- --version` accepts it. The version becomes
 * the release's directory on every host (hooks/after-install.sh: $BLUEGREEN_ROOT/releases/<version>),
 * is served at /version and is recorded in an ELB tag by `release verify`. So it is one path
 * segment that is neither `.` nor `..` nor read as a flag, in characters an ELB tag value allows
 * (letters, digits, spaces and `_ . : / = + - @`, at most 256:
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Tag.html) and a shell
 * or a log line needs no quoting for: ASCII letters, digits, `.`, `_`, `+` and `-`, starting with
 * a letter or digit. Semver (1.4.0-rc.1+build.5) and commit SHAs fit.
 */
export const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

export const VERSION_ALLOWED = "1 to 128 characters of A-Z a-z 0-9 . _ + -, starting with a letter or digit (like 1.4.0 or a commit SHA)";
