export * from './errors.js';
export * from './common.js';
export * from './auth.js';
export * from './setup.js';
export * from './queue.js';
export * from './public.js';
export * from './live.js';
export * from './state-machine.js';
