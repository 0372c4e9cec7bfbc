// The tests' toolbox: `import { ... } from './helpers'`.
export * from './http'
export * from './process'
export * from './server'
export * from './wait'
