/** IAM: over-broad permissions and trust. Every policy here but the PassedToService advice is mandatory on every stack. */
import { resourcePolicyGrants } from "./grants";
import { noBroadManagedPolicies } from "./managedPolicies";
import { noWildcardResources } from "./reach";
import { noNotActionOrNotResource, noWildcardActions, passRoleNamedRoles, passRolePassedToService } from "./statements";
import { trustPolicy } from "./trust";

export const iamPolicies = [
    noWildcardActions,
    noWildcardResources,
    noNotActionOrNotResource,
    passRoleNamedRoles,
    passRolePassedToService,
    noBroadManagedPolicies,
    trustPolicy,
    resourcePolicyGrants,
];
