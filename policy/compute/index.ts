/** Compute: the instances and what may reach them. */
import { imdsv2Required } from "./imds";
import { noPublicIngress } from "./securityGroups";

export const computePolicies = [imdsv2Required, noPublicIngress];
