// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'proto/gen/', 'data/', 'coverage/', 'dist/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/proto/gen/**'], message: 'domain/ and scheduler/ stay free of wire types: the API layer (controller/api/) converts' }] }],
    },
    files: ['controller/domain/**/*.ts', 'controller/scheduler/**/*.ts'],
  },
  {
    // The client library and the agent ship without the controller; what both sides need lives in common/.
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/controller/**', '**/controller'], message: 'client/ and agent/ never import controller/: move what both sides need to common/' }] }],
    },
    files: ['client/**/*.ts', 'agent/**/*.ts'],
  },
  {
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/controller/**', '**/client/**', '**/agent/**', '**/store/**', '@mikro-orm/*', '@grpc/*', '@aws-sdk/*', '@azure/*', '@google-cloud/*'], message: 'common/ is the shared vocabulary: pure, importing no program, ORM, SDK or transport' }] }],
    },
    files: ['common/**/*.ts'],
  },
  {
    // The dashboard runs in a browser: it reaches the controller through its public API alone.
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/controller/**', '**/client/**', '**/agent/**', '@grpc/*', '**/proto/gen/slipstream/**', '**/proto/gen/google/**'], message: 'web/ speaks the public API through proto/gen/es and @connectrpc/connect-web only' }] }],
    },
    files: ['web/src/**/*.ts', 'web/src/**/*.tsx'],
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
