/**
 * A failed deployment to the idle color must roll back on its own, so the color is left with the
 * last good revision and the next release starts from a known state.
 */
import { asList, resourcePolicy, sameText } from "../lib/spec";
import { TYPES } from "../lib/types";

export const autoRollback = resourcePolicy(
    {
        name: "deployment-auto-rollback",
        description: "CodeDeploy deployment groups must roll back automatically when a deployment fails.",
        severity: "high",
        enforcementLevel: "mandatory",
        remediationSteps: "Set `autoRollbackConfiguration: { enabled: true, events: [\"DEPLOYMENT_FAILURE\", \"DEPLOYMENT_STOP_ON_ALARM\"] }`.",
    },
    TYPES.deploymentGroup,
    (props, _args, _config, report) => {
        const rollback: Record<string, any> | undefined = props.autoRollbackConfiguration;
        if (rollback?.enabled !== true) report("autoRollbackConfiguration is not enabled.");
        else if (!asList<string>(rollback.events).some((e) => sameText(e, "DEPLOYMENT_FAILURE"))) {
            report("autoRollbackConfiguration.events does not include DEPLOYMENT_FAILURE.");
        }
    },
);
