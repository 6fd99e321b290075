// Lint is part of `npm test`. Type-aware rules catch what the compiler does not: a promise nobody
// awaits or handles, or one passed where a plain callback is expected.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['proto/gen/**', 'node_modules/**', 'vendor/**', 'bin/**', 'renderer/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Passing on what a promise or callback rejected with, whatever it is, is not inventing a non-Error.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // A `let` read by a callback before its one assignment must stay `let` (const would be in its TDZ).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Tests read decoded wire data as `any`, match with `expect.any()`, and stand in for async ports
    // with functions that need not await; the promise rules still hold for them.
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // The renderer: the rules of hooks and the React Compiler's checks (state set during render or
    // synchronously in an effect, refs read while rendering). Its files are typed by renderer/tsconfig.json,
    // which the project service finds as their nearest tsconfig.
    files: ['renderer/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
  },
  {
    // Component tests stand in for the daemon with rpc handlers that need not await.
    files: ['renderer/test/**'],
    rules: {
      '@typescript-eslint/require-await': 'off',
    },
  },
);
