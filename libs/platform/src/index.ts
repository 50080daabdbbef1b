export * from './config';
export * from './code-cipher';
export * from './masking';
export * from './phone';
export * from './logger';
export * from './metrics';
export * from './json-depth';
