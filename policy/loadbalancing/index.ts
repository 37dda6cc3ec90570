/** Load balancing: what keeps a color switch from dropping requests. */
import { asgElbHealthCheck } from "./autoScaling";
import { listenerHttps } from "./listeners";
import { blueGreenParity } from "./parity";
import { deregistrationDelayPolicy, healthCheckPolicy } from "./targetGroups";

export const loadBalancingPolicies = [deregistrationDelayPolicy, healthCheckPolicy, asgElbHealthCheck, blueGreenParity, listenerHttps];
