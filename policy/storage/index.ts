/** Storage: the artifact bucket CodeDeploy installs from. */
import { bucketPolicyGrants } from "./bucketGrants";
import { bucketProtection } from "./buckets";

export const storagePolicies = [bucketProtection, bucketPolicyGrants];
