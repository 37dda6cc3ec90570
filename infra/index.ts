/**
 * Pulumi entry point (Pulumi.yaml `main: infra/`). Validates the stack's config before any
 * resource is declared, then declares the stack; the exported object's keys are the outputs.
 */
import { loadStackConfig } from "./config";
import { defineStack } from "./stack";

export = defineStack(loadStackConfig());
