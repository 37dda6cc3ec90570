/**
 * The offline evaluation API, for `npm run plan` and other tools that already hold a stack's
 * resources (e.g. infra/simulate.ts's SimulatedStack.resources, which fit SourceResource):
 *
 *   const violations = await evaluate(sim.resources, { stack });           // the stack's policy/config/<stack>.json
 *   const violations = await evaluate(resources, { config: loadPolicyConfig(file) }); // any policy-config file
 */
export { evaluate, PolicyCrashError, type EvaluateOptions, type SourceResource, type Violation } from "./analyzer";
export { loadPolicyConfig, PolicyConfigError, stackConfigPath, type PolicyPackConfigFile } from "./config";
export { readStackExport, InputError } from "./sources";
export { renderVerdicts } from "./render";
export { SecretNeededError } from "./secrets";
