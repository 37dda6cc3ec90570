/**
 * Harmful and correct changes to realistic `pulumi stack export` files of the project's own
 * stacks (exports.ts), run through the offline gate as a platform team would:
 * `policy:check --stack-export <file> --json` under each stack's own policy config. A harmful
 * case must be rejected by the policy responsible (a mandatory violation, exit 1); a correct one
 * must leave the stack with zero violations (exit 0). The editors here change an export the way
 * a changed program would.
 */
import { expect } from "chai";
import { main } from "../offline/cli";
import { addResource, edit, editDocument, type ExportedResource, resource, type StackExport, stackExport, writeExport } from "./exports";

export const ACCOUNT = "123456789012";
export const OTHER_ACCOUNT = "999999999999";

export interface Verdict {
    code: number;
    err: string;
    violations: { policy: string; enforcementLevel: string; urn: string | null; message: string }[];
}

export async function gate(state: StackExport): Promise<Verdict> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(["--stack-export", writeExport(state), "--json"], { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, err: err.join("\n"), violations: code === 2 ? [] : JSON.parse(out.join("\n")).violations };
}

export const regionOf = (s: StackExport) => resource(s, "default_7_0_0").inputs.region as string;
export const arnOf = (s: StackExport, name: string) => resource(s, name).outputs.arn as string;
export const bucketOf = (s: StackExport) => resource(s, "artifacts-revisions").outputs.bucket as string;
export const appOf = (s: StackExport) => resource(s, "deploy-app").outputs.name as string;
export const stackOf = (s: StackExport) => resource(s, "default_7_0_0").urn.split("::")[0].split(":").pop() as string;

export type Statements = (s: StackExport) => Record<string, unknown>[];
/** Appends statements to a policy document held by a resource of the export. */
export const add = (name: string, prop: string, statements: Statements) => (s: StackExport) => editDocument(s, name, prop, (doc) => doc.Statement.push(...statements(s)));
export const toDeployRole = (statements: Statements) => add("gitlab-deploy-policy", "policy", statements);
export const toInstanceRole = (statements: Statements) => add("instance-policy", "policy", statements);

/** A resource declared like `like` (same parent and provider), with the given type, name and props. */
export function declare(s: StackExport, like: string, type: string, name: string, props: Record<string, unknown>, refs: Record<string, ExportedResource[]> = {}, outputs: Record<string, unknown> = {}): ExportedResource {
    const template = resource(s, like);
    const parentPath = template.urn.split("::")[2].split("$").slice(0, -1);
    const urn = `${template.urn.split("::").slice(0, 2).join("::")}::${[...parentPath, type].join("$")}::${name}`;
    const propertyDependencies = Object.fromEntries(Object.entries(refs).map(([k, v]) => [k, v.map((r) => r.urn)]));
    return addResource(s, {
        ...template,
        urn,
        type,
        id: `${name}-id`,
        inputs: props,
        outputs: { ...props, id: `${name}-id`, ...outputs },
        propertyDependencies,
        dependencies: Object.values(propertyDependencies).flat(),
    });
}

/** A new inline policy (RolePolicy) on a role of the export. */
export const rolePolicy = (roleName: string, policyName: string, statements: Statements) => (s: StackExport) => {
    const role = resource(s, roleName);
    declare(s, roleName, "aws:iam/rolePolicy:RolePolicy", policyName, { role: role.outputs.name, policy: JSON.stringify({ Version: "2012-10-17", Statement: statements(s) }) }, { role: [role] });
};
/** A new inline policy on the CodeDeploy service role (as infra adds for launch templates). */
export const toCodeDeployRole = (statements: Statements) => rolePolicy("codedeploy-role", "codedeploy-launch", statements);

/** The trust statement of the GitLab deploy role, changed. */
export const trust = (change: (statement: any) => void) => (s: StackExport) => editDocument(s, "gitlab-deploy-role", "assumeRolePolicy", (doc) => change(doc.Statement[0]));
export const bucketPolicy = (change: (doc: any, s: StackExport) => void) => (s: StackExport) => editDocument(s, "artifacts-tls-only", "policy", (doc) => change(doc, s));
export const tlsDeny = (change: (statement: any, s: StackExport) => void) => bucketPolicy((doc, s) => change(doc.Statement.find((x: any) => x.Effect === "Deny"), s));

/** An ingress rule (aws:vpc/securityGroupIngressRule) on a security group of the export, like the program's own rules. */
export const ingress = (group: string, name: string, props: Record<string, unknown>) => (s: StackExport) => {
    const sg = resource(s, group);
    declare(s, "lb-alb-in-80", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name, { securityGroupId: sg.outputs.id, ipProtocol: "tcp", ...props }, { securityGroupId: [sg] });
};
export const ports = (port: number) => ({ fromPort: port, toPort: port });

/** A policy read with `aws.iam.Policy.get` (a read resource in the state). */
export function readPolicy(s: StackExport, name: string, arn: string, outputs: Record<string, unknown> = {}): ExportedResource {
    const role = resource(s, "instance-role");
    return addResource(s, { ...role, urn: role.urn.replace("aws:iam/role:Role::instance-role", `aws:iam/policy:Policy::${name}`), type: "aws:iam/policy:Policy", external: true, id: arn, inputs: {}, outputs: { arn, name: arn.split("/").pop(), ...outputs }, propertyDependencies: {}, dependencies: [] });
}

/** Points an attachment's input at another value, wired to the resources it came from (as an output would be). */
export function attach(s: StackExport, attachment: string, prop: string, value: unknown, from: ExportedResource[] = []): void {
    edit(s, attachment, (p) => (p[prop] = value));
    resource(s, attachment).propertyDependencies![prop] = from.map((r) => r.urn);
}

export type Case = [what: string, change: (s: StackExport) => void, policy: string];
export type Good = [what: string, change: (s: StackExport) => void];

/** One `it` per case and stack: harmful cases rejected by their policy, correct ones with zero violations. */
export function describeCases(harmful: Record<string, Case[]>, correct: Good[]): void {
    for (const stack of ["staging", "production"] as const) {
        describe(stack, () => {
            for (const [cls, cases] of Object.entries(harmful)) {
                for (const [what, change, policy] of cases) {
                    it(`${cls}: rejects ${what}`, async () => {
                        const state = await stackExport(stack);
                        change(state);
                        const v = await gate(state);
                        const mandatory = v.violations.filter((x) => x.enforcementLevel === "mandatory").map((x) => x.policy);
                        expect(mandatory, JSON.stringify(v.violations, null, 1)).to.include(policy);
                        expect(v.code).to.equal(1);
                    });
                }
            }
            for (const [what, change] of correct) {
                it(`accepts ${what}`, async () => {
                    const state = await stackExport(stack);
                    change(state);
                    const v = await gate(state);
                    expect(v.violations, JSON.stringify(v.violations, null, 1)).to.deep.equal([]);
                    expect(v.code).to.equal(0);
                });
            }
        });
    }
}
