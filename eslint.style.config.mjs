// The formatter: ESLint Stylistic rules that state the style the code is written in (`npm run format` fixes,
// `npm run format:check` reports). They check spacing, quotes, semicolons, indentation and line length, and
// leave line breaking to the author: a printer (Prettier, Biome, dprint) would rewrite thousands of lines.
import stylistic from '@stylistic/eslint-plugin';
import tseslint from 'typescript-eslint';

const rules = {
  'arrow-parens': ['error', 'always'],
  'arrow-spacing': 'error',
  'block-spacing': 'error',
  'brace-style': ['error', '1tbs', { allowSingleLine: true }],
  'comma-dangle': ['error', 'always-multiline'],
  'comma-spacing': 'error',
  'comma-style': 'error',
  'computed-property-spacing': 'error',
  'dot-location': ['error', 'property'],
  'eol-last': 'error',
  'function-call-spacing': 'error',
  'generator-star-spacing': ['error', { before: false, after: true }],
  indent: ['error', 2],
  'key-spacing': 'error',
  'keyword-spacing': 'error',
  'linebreak-style': 'error',
  // Strings, template literals and URLs may run on: breaking a message or a command line hides it from grep.
  'max-len': ['error', { code: 140, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
  'member-delimiter-style': 'error',
  'new-parens': 'error',
  'no-extra-semi': 'error',
  'no-floating-decimal': 'error',
  'no-mixed-spaces-and-tabs': 'error',
  'no-multi-spaces': 'error',
  'no-multiple-empty-lines': ['error', { max: 1, maxBOF: 0, maxEOF: 0 }],
  'no-tabs': 'error',
  'no-trailing-spaces': 'error',
  'no-whitespace-before-property': 'error',
  'padded-blocks': ['error', 'never'],
  'quote-props': ['error', 'as-needed'],
  quotes: ['error', 'single', { avoidEscape: true, allowTemplateLiterals: 'always' }],
  'rest-spread-spacing': 'error',
  semi: ['error', 'always'],
  'semi-spacing': 'error',
  'space-before-blocks': 'error',
  'space-before-function-paren': ['error', { anonymous: 'always', named: 'never', asyncArrow: 'always' }],
  'space-in-parens': 'error',
  'space-infix-ops': 'error',
  'space-unary-ops': 'error',
  'spaced-comment': ['error', 'always', { markers: ['/'] }],
  'switch-colon-spacing': 'error',
  'template-curly-spacing': 'error',
  'template-tag-spacing': 'error',
  'type-annotation-spacing': 'error',
  'type-generic-spacing': 'error',
  'type-named-tuple-spacing': 'error',
  'wrap-iife': 'error',
  'yield-star-spacing': ['error', 'after'],
};

export const ignores = { ignores: ['dist/', 'node_modules/', 'rpm/out/', 'build/', 'build-*/', 'tmp/'] };

export const style = {
  files: ['**/*.ts', '**/*.cts', '**/*.mjs'],
  languageOptions: { parser: tseslint.parser },
  plugins: { '@stylistic': stylistic },
  rules: Object.fromEntries(Object.entries(rules).map(([name, setting]) => [`@stylistic/${name}`, setting])),
};

export default [ignores, style];
