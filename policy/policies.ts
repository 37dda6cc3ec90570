/**
 * Every policy of the pack, by domain. Tests and the offline gate import this list; only
 * index.ts builds the PolicyPack (constructing one starts the analyzer's gRPC server).
 */
import type { Policies } from "@pulumi/policy";
import { computePolicies } from "./compute";
import { deploymentPolicies } from "./deployment";
import { iamPolicies } from "./iam";
import { loadBalancingPolicies } from "./loadbalancing";
import { storagePolicies } from "./storage";

export const PACK_NAME = "bluegreen";

export const policies: Policies = [...iamPolicies, ...loadBalancingPolicies, ...computePolicies, ...storagePolicies, ...deploymentPolicies];
