// Lint rules for the whole repository (STYLE.md): floating promises, type imports, no console, module boundaries.
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'libs/proto/src/generated/**', '.nx/**', 'deploy/**/charts/**'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    plugins: { '@nx': nx },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
      'no-restricted-properties': [
        'error',
        { object: 'it', property: 'only', message: 'it.only must not be committed' },
        { object: 'describe', property: 'only', message: 'describe.only must not be committed' },
        { object: 'test', property: 'only', message: 'test.only must not be committed' },
      ],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:service'] },
          ],
        },
      ],
    },
  },
  {
    // Tests, benchmarks and the CLI talk to people on stdout.
    files: ['**/*.test.ts', '**/test/**/*.ts', 'bench/**/*.ts', 'cli/**/*.ts', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
);
