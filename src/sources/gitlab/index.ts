export * from './normalize-gitlab.js';
