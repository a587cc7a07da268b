// The lint toolchain is its own package (tools/lint/, see its package.json for why); `npm run lint` installs it.
export { default } from './tools/lint/eslint.config.mjs';
