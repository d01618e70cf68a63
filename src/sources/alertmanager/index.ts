export * from './alertmanager-webhook.js';
export * from './normalize-alertmanager.js';
