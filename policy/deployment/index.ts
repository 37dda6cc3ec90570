/** Deployment: CodeDeploy settings the release relies on. */
import { autoRollback } from "./codedeploy";

export const deploymentPolicies = [autoRollback];
