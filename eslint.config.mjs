import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.kafka/**', '.run/**', 'scripts/**/*.mjs', 'jest.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Configuration is read once per app through its typed config class (libs/platform/src/config).
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read env through the app config class.' },
      ],
    },
  },
  {
    files: [
      '**/*.config.ts',
      'libs/platform/src/config.ts',
      '**/*.spec.ts',
      'test/**/*.ts',
      'tools/**/*.ts',
      'libs/testing/**/*.ts',
      'jest.config.js',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
);
