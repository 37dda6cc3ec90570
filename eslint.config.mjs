// Lint for the whole repo: ESLint's and typescript-eslint's recommended rules, no type-aware
// rules (tsc --noEmit runs separately in `npm run lint` and `npm test`).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "dist/", "**/*.js", "!eslint.config.mjs", ".bench/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            // Mock payloads and Pulumi inputs are untyped by nature; the tests pin their shape.
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
        },
    },
);
