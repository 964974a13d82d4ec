// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const NO_NEST = {
  group: ['@nestjs/*'],
  message:
    'The engine and stores must not depend on NestJS; adapt them in the Nest layer.',
};
const NO_ENGINE = {
  group: ['**/engine', '**/engine/*'],
  message:
    'Stores and the shared model must not import the engine: put what both need in lib/model.',
};
const NO_STORES = {
  group: ['**/stores', '**/stores/*', '**/stores/**'],
  message:
    'The shared model, errors and messages must not import a store or the store contract.',
};

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'dist-sample/',
      'dist-bench/',
      'dist-worker/',
      'coverage/',
      'node_modules/',
      '.tools/',
      // Snippets that fail to compile on purpose; test/types compiles them itself.
      'test/types/fixtures/',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // The engine and the stores are plain TypeScript: the Nest layer adapts them.
    files: ['lib/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [NO_NEST] }],
    },
  },
  {
    // Stores implement the contract over the shared model; they never reach into the engine.
    files: ['lib/stores/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [NO_NEST, NO_ENGINE] }],
    },
  },
  {
    // What engine and stores share (model, errors, messages) depends on neither.
    files: ['lib/model/**/*.ts', 'lib/errors/**/*.ts', 'lib/lidex.messages.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [NO_NEST, NO_ENGINE, NO_STORES] },
      ],
    },
  },
  {
    files: ['**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        setTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/only-throw-error': 'off',
    },
  },
);
