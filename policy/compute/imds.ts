/** IMDSv2 only: session tokens defeat the SSRF-to-credentials path that IMDSv1 leaves open. */
import { resourcePolicy, sameText } from "../lib/spec";
import { TYPES } from "../lib/types";

export const imdsv2Required = resourcePolicy(
    {
        name: "compute-imdsv2-required",
        description: "Launch templates, launch configurations and instances must require IMDSv2 (metadataOptions.httpTokens = \"required\").",
        severity: "high",
        enforcementLevel: "mandatory",
        remediationSteps: "Set `metadataOptions: { httpTokens: \"required\", httpEndpoint: \"enabled\", httpPutResponseHopLimit: 1 }`.",
    },
    [...TYPES.launchTemplate, ...TYPES.launchConfiguration, ...TYPES.instance],
    (props, args, _config, report) => {
        const options: Record<string, unknown> | undefined = props.metadataOptions;
        // An instance launched from a template inherits the template's options (checked there).
        if (options === undefined && TYPES.instance.includes(args.type) && props.launchTemplate !== undefined) return;
        if (sameText(options?.httpEndpoint, "disabled")) return;
        if (!sameText(options?.httpTokens, "required")) {
            report(`metadataOptions.httpTokens is ${options?.httpTokens === undefined ? "unset (IMDSv1 allowed)" : `"${options.httpTokens}"`}; it must be "required".`);
        }
    },
);
