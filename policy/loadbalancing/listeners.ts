/** Listeners serve HTTPS; plain HTTP only to redirect to HTTPS. */
import { asList, resourcePolicy, sameText } from "../lib/spec";
import { TYPES } from "../lib/types";

function redirectsToHttps(action: Record<string, any>): boolean {
    return sameText(action.type, "redirect") && sameText(action.redirect?.protocol, "HTTPS");
}

export const listenerHttps = resourcePolicy(
    {
        name: "lb-listener-https",
        description: "Load balancer listeners must use HTTPS; an HTTP listener may only redirect to HTTPS.",
        severity: "high",
        // Production's config makes this mandatory; staging may run without a certificate.
        enforcementLevel: "mandatory",
        remediationSteps:
            "Give the listener `protocol: \"HTTPS\"`, a `certificateArn` and a current `sslPolicy`; turn port 80 into a redirect (`type: \"redirect\", redirect: { protocol: \"HTTPS\", port: \"443\", statusCode: \"HTTP_301\" }`).",
    },
    TYPES.listener,
    (props, _args, _config, report) => {
        // An ALB listener without a protocol is HTTP.
        const protocol = String(props.protocol ?? "HTTP").toUpperCase();
        if (protocol !== "HTTP") return;
        const actions = asList<Record<string, any>>(props.defaultActions);
        if (actions.length > 0 && actions.every(redirectsToHttps)) return;
        report(`port ${props.port ?? "?"} serves plain HTTP instead of redirecting to HTTPS.`);
    },
);
