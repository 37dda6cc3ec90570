/** IAM: over-broad permissions and trust. Every policy here is mandatory on every stack. */
import { noBroadManagedPolicies } from "./managedPolicies";
import { noNotActionOrNotResource, noWildcardActions, noWildcardResources, passRoleNamedRoles, passRolePassedToService } from "./statements";
import { trustPolicy } from "./trust";

export const iamPolicies = [
    noWildcardActions,
    noWildcardResources,
    noNotActionOrNotResource,
    passRoleNamedRoles,
    passRolePassedToService,
    noBroadManagedPolicies,
    trustPolicy,
];
