/**
 * A bucket policy is a grant (iam/grants.ts): the artifact bucket holds what every instance
 * installs, so only principals of this stack's account may be granted anything there.
 */
import { grantsPolicy } from "../iam/grants";

export const bucketPolicyGrants = grantsPolicy(
    {
        name: "storage-bucket-policy-grants",
        description: "Bucket policies must not allow anything to a principal outside this stack's account, or to everyone (`*`).",
        severity: "critical",
        enforcementLevel: "mandatory",
        remediationSteps:
            "Grant access through identity policies of this account's roles (or name this account's principals in the bucket policy). Cross-account or public access to the artifact bucket lets others replace what every instance installs.",
    },
    "bucket",
);
