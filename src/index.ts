export * from './errors.js';
export * from './scenario/index.js';
export { FEDAGE_VERSION } from './version.js';
