/**
 * GitLab's predefined CI/CD variables (docs: "Predefined CI/CD variables reference"), the ones a
 * pipeline like ours may use. `pipeline` = available when GitLab creates the pipeline (usable in
 * `rules`); `job` = only in a running job's script. Extend from the docs when a job needs another.
 */
export const PREDEFINED_PIPELINE_VARIABLES = [
  "CI",
  "GITLAB_CI",
  "CI_API_V4_URL",
  "CI_COMMIT_BRANCH",
  "CI_COMMIT_REF_NAME",
  "CI_COMMIT_REF_PROTECTED",
  "CI_COMMIT_REF_SLUG",
  "CI_COMMIT_SHA",
  "CI_COMMIT_SHORT_SHA",
  "CI_COMMIT_TAG",
  "CI_COMMIT_TITLE",
  "CI_DEFAULT_BRANCH",
  "CI_MERGE_REQUEST_ID",
  "CI_MERGE_REQUEST_IID",
  "CI_MERGE_REQUEST_PROJECT_ID",
  "CI_MERGE_REQUEST_PROJECT_PATH",
  "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
  "CI_MERGE_REQUEST_SOURCE_PROJECT_ID",
  "CI_MERGE_REQUEST_SOURCE_PROJECT_PATH",
  "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
  "CI_OPEN_MERGE_REQUESTS",
  "CI_PIPELINE_ID",
  "CI_PIPELINE_IID",
  "CI_PIPELINE_SOURCE",
  "CI_PIPELINE_URL",
  "CI_PROJECT_ID",
  "CI_PROJECT_NAME",
  "CI_PROJECT_NAMESPACE",
  "CI_PROJECT_PATH",
  "CI_PROJECT_PATH_SLUG",
  "CI_PROJECT_URL",
  "CI_SERVER_HOST",
  "CI_SERVER_URL",
  "GITLAB_USER_LOGIN",
] as const;

export const PREDEFINED_JOB_VARIABLES = [
  "CI_BUILDS_DIR",
  "CI_ENVIRONMENT_NAME",
  "CI_ENVIRONMENT_SLUG",
  "CI_ENVIRONMENT_URL",
  "CI_JOB_ID",
  "CI_JOB_NAME",
  "CI_JOB_STAGE",
  "CI_JOB_TOKEN",
  "CI_JOB_URL",
  "CI_PROJECT_DIR",
  "CI_RUNNER_ID",
] as const;

/** Set by the shell or image, not by GitLab. */
export const SHELL_VARIABLES = ["HOME", "PATH"] as const;
