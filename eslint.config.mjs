// Lint: typescript-eslint's type-checked rules and the layering README.md's "Layout" states (eslint.layers.mjs).
// The style is eslint.style.config.mjs, checked by `npm run format:check`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layers } from './eslint.layers.mjs';
import { ignores } from './eslint.style.config.mjs';

export default tseslint.config(
  ignores,
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  ...layers,
);
