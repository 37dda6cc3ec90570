/** Storage: the artifact bucket CodeDeploy installs from. */
import { bucketProtection } from "./buckets";

export const storagePolicies = [bucketProtection];
