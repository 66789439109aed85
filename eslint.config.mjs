// Lint: typescript-eslint's type-checked rules, the layering README.md's "Layout" states (eslint.layers.mjs) and
// the style (eslint.style.config.mjs, which `npm run format` fixes and `npm run format:check` reports alone): one
// pass over the tree reports all three, as scripts/test.sh runs it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layers } from './eslint.layers.mjs';
import { ignores, style } from './eslint.style.config.mjs';

export default tseslint.config(
  ignores,
  {
    files: ['**/*.ts', '**/*.cts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // A leading underscore names what is unused on purpose (a destructured field left out of a copy).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // `let x; later(() => x); x = ...`: a closure may run before the value exists, and must then see undefined, not a TDZ error.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Fakes implement async interfaces with `async` methods that need no await: `async` makes their throws
      // rejections, as the real implementations' are.
      '@typescript-eslint/require-await': 'off',
    },
  },
  ...layers,
  style,
);
