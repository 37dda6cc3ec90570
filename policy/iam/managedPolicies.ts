/**
 * Managed policies, however they are attached, judged by the ARN the attachment carries. A
 * policy whose document is in this stack (a Policy resource the stack declares with that `arn`)
 * is judged by the statement policies, which read that document. A policy read with `Policy.get`
 * is not in the stack as policies see it: the engine hands read resources to no policy pack
 * (pulumi/pulumi#3950). Any other —
 * an AWS managed policy, or a customer managed policy whose document the stack does not hold —
 * is judged by name: a deny list (broad ones, always rejected), an allow list, and an allow list
 * of service-role policies that only pass on a role that only that service can assume.
 */
import type { PolicyResource } from "@pulumi/policy";
import { AWS_MANAGED_POLICY_ARN } from "../lib/arn";
import { label, ofTypes, referencedBy } from "../lib/stack";
import { asList, stackPolicy } from "../lib/spec";
import { TYPES } from "../lib/types";
import { Unknowns } from "../lib/unknowns";
import { onlyServiceCanAssume } from "./trust";

interface ServiceRolePolicy {
    policy: string;
    service: string;
}

interface ManagedPolicyConfig {
    deniedPolicies: string[];
    allowedPolicies: string[];
    serviceRolePolicies: ServiceRolePolicy[];
}

/** Always rejected, whatever the allow lists say. `*FullAccess` is matched by suffix. */
const ALWAYS_DENIED = ["administratoraccess", "poweruseraccess", "iamfullaccess"];

type Principal = "role" | "user" | "group";

interface Attachment {
    resource: PolicyResource;
    /** Input holding the policy ARN(s). */
    policyProp: string;
    principal: Principal;
    /** Input naming the principal(s); undefined when the resource is the role itself. */
    principalProp?: string;
}

/** Every way pulumi-aws attaches a managed policy, with the inputs that carry ARN and principal. */
const ATTACHMENT_SHAPES: { types: readonly string[]; policyProp: string; principals: [Principal, string | undefined][] }[] = [
    { types: TYPES.role, policyProp: "managedPolicyArns", principals: [["role", undefined]] },
    { types: TYPES.rolePolicyAttachment, policyProp: "policyArn", principals: [["role", "role"]] },
    { types: TYPES.userPolicyAttachment, policyProp: "policyArn", principals: [["user", "user"]] },
    { types: TYPES.groupPolicyAttachment, policyProp: "policyArn", principals: [["group", "group"]] },
    { types: TYPES.policyAttachment, policyProp: "policyArn", principals: [["role", "roles"], ["user", "users"], ["group", "groups"]] },
    { types: TYPES.rolePolicyAttachmentsExclusive, policyProp: "policyArns", principals: [["role", "roleName"]] },
    { types: TYPES.userPolicyAttachmentsExclusive, policyProp: "policyArns", principals: [["user", "userName"]] },
    { types: TYPES.groupPolicyAttachmentsExclusive, policyProp: "policyArns", principals: [["group", "groupName"]] },
];

function attachments(resources: readonly PolicyResource[]): Attachment[] {
    return ATTACHMENT_SHAPES.flatMap((shape) =>
        ofTypes(resources, shape.types).flatMap((resource) =>
            shape.principals
                .filter(([, prop]) => prop === undefined || prop in resource.props)
                .map(([principal, principalProp]) => ({ resource, policyProp: shape.policyProp, principal, principalProp })),
        ),
    );
}

/**
 * The policy ARNs an attachment carries, by value, whatever produced them (a literal, an
 * interpolation, the `arn` of a `Policy.get` read, another resource's output). A value unknown during
 * preview is read through the proxy like any other, so the analyzer reports it as advisory.
 */
function attachedArns(a: Attachment): string[] {
    return asList<unknown>(a.resource.props[a.policyProp]).filter((v): v is string => typeof v === "string");
}

/** `service-role/AWSCodeDeployRole` from an ARN or a config entry, lower case. */
function policyKey(arnOrName: string): string {
    const m = AWS_MANAGED_POLICY_ARN.exec(arnOrName);
    return (m ? m[1] : arnOrName).toLowerCase();
}

/** Config entries may name an AWS managed policy by ARN, path/name or bare name; any other policy by its ARN. */
function listed(list: readonly string[], arn: string): boolean {
    if (!AWS_MANAGED_POLICY_ARN.test(arn)) return list.some((entry) => entry.toLowerCase() === arn.toLowerCase());
    const key = policyKey(arn);
    const name = key.split("/").pop()!;
    return list.some((entry) => [key, name].includes(policyKey(entry)));
}

function denied(arn: string, config: ManagedPolicyConfig): boolean {
    const name = policyKey(arn).split("/").pop()!;
    return ALWAYS_DENIED.includes(name) || name.endsWith("fullaccess") || listed(config.deniedPolicies, arn);
}

export const noBroadManagedPolicies = stackPolicy<ManagedPolicyConfig>(
    {
        name: "iam-no-broad-managed-policies",
        description:
            "AWS managed policies may be attached (Role.managedPolicyArns, RolePolicyAttachment, PolicyAttachment, user and group attachments) only from an allow list; AdministratorAccess, PowerUserAccess, IAMFullAccess, any *FullAccess and the configured deny list never.",
        severity: "critical",
        enforcementLevel: "mandatory",
        remediationSteps:
            "Replace the managed policy with an inline or customer managed policy that lists exact actions on this stack's ARNs. Service-role policies (e.g. AWSCodeDeployRole) are accepted only on a role whose trust policy lets that one service assume it.",
        configSchema: {
            properties: {
                deniedPolicies: {
                    type: "array",
                    items: { type: "string" },
                    description: "Extra AWS managed policies to reject (ARN, path/name or name), on top of the built-in deny list.",
                    default: [],
                },
                allowedPolicies: {
                    type: "array",
                    items: { type: "string" },
                    description: "AWS managed policies accepted on any principal.",
                    default: ["AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"],
                },
                serviceRolePolicies: {
                    type: "array",
                    items: {
                        type: "object",
                        properties: { policy: { type: "string" }, service: { type: "string" } },
                        required: ["policy", "service"],
                    },
                    description: "Service-role policies accepted only on a role that only `service` can assume.",
                    default: [{ policy: "service-role/AWSCodeDeployRole", service: "codedeploy.amazonaws.com" }],
                },
            },
        },
    },
    ({ resources }, config, report) => {
        const roles = ofTypes(resources, TYPES.role);
        const unknowns = new Unknowns();
        // Policies whose document the stack declares, by ARN and URN.
        const withDocument = ofTypes(resources, TYPES.managedPolicy).filter((p) => "policy" in p.props);
        const documentedArns = new Set(withDocument.map((p) => new Unknowns().attempt(() => p.props.arn)).filter((arn) => typeof arn === "string"));
        const documentedUrns = new Set(withDocument.map((p) => p.urn));
        for (const a of attachments(resources)) {
            const arns = new Unknowns();
            const values = arns.attempt(() => attachedArns(a));
            if (values === undefined) {
                // Unknown during preview: it will be the ARN of a policy whose document the stack
                // holds if that is all the input depends on; otherwise it stays undecided.
                const deps = a.resource.propertyDependencies[a.policyProp] ?? [];
                if (deps.length === 0 || !deps.every((d) => documentedUrns.has(d.urn))) unknowns.needed(arns.error);
                continue;
            }
            for (const arn of values) {
                if (documentedArns.has(arn) && !AWS_MANAGED_POLICY_ARN.test(arn)) continue;
                const at = `${label(a.resource)} attaches ${arn}`;
                if (denied(arn, config)) {
                    report(`${at}: broad AWS managed policies are never allowed.`, a.resource.urn);
                    continue;
                }
                const serviceRole = config.serviceRolePolicies.find((p) => listed([p.policy], arn));
                if (serviceRole && a.principal === "role") {
                    const targets = a.principalProp === undefined ? [a.resource] : referencedBy(a.resource, a.principalProp, roles, ["name", "arn", "id"]);
                    if (targets.length > 0 && targets.every((r) => onlyServiceCanAssume(r.props.assumeRolePolicy, serviceRole.service))) continue;
                    report(`${at}: this service-role policy is allowed only on a role of this stack that only ${serviceRole.service} can assume.`, a.resource.urn);
                    continue;
                }
                if (listed(config.allowedPolicies, arn)) continue;
                const what = AWS_MANAGED_POLICY_ARN.test(arn) ? "it is not on the allow list" : "its document is not in this stack, and it is not on the allow list";
                report(`${at} to a ${a.principal}: ${what} (allowedPolicies / serviceRolePolicies).`, a.resource.urn);
            }
        }
        unknowns.rethrow();
    },
);
