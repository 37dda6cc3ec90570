/**
 * The CrossGuard pack the Pulumi CLI loads (`pulumi preview --policy-pack policy`). Nothing else
 * belongs here: constructing a PolicyPack starts the analyzer's gRPC server.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, policies } from "./policies";

new PolicyPack(PACK_NAME, { policies, description: "bluegreen: least-privilege IAM, drain-safe blue/green load balancing, IMDSv2, private artifact bucket, CodeDeploy rollback." });
