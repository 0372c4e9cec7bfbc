// The native addon, loaded once through the loader `@napi-rs/cli` generated
// (`binding.cjs`). Every other module takes the addon from here.

import type * as Binding from '../binding.cjs'

export type NativeServer = Binding.NativeServer

/** The addon's exports: the `NativeServer` class and the wire constants (`src/wire.ts`). */
export const binding: typeof Binding = loadBinding()

/**
 * The native addon, through the loader `@napi-rs/cli` generated. When no
 * binary fits this platform, say which package is missing (the generated
 * loader's own message does not).
 */
function loadBinding(): typeof Binding {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('../binding.cjs') as typeof Binding
  } catch (error) {
    const wanted = `fasthttp-${platformTriple()}`
    throw new Error(
      `fasthttp: no native binary for ${process.platform}-${process.arch}: the package ${wanted} is missing. ` +
        'npm installs it through optionalDependencies: reinstall without --no-optional / --omit=optional, ' +
        'or remove node_modules and package-lock.json and run npm install again.',
      { cause: error },
    )
  }
}

/** The napi-rs platform name of this machine, e.g. `linux-x64-gnu`. */
function platformTriple(): string {
  if (process.platform === 'linux') {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined
    return `linux-${process.arch}-${report?.header?.glibcVersionRuntime ? 'gnu' : 'musl'}`
  }
  if (process.platform === 'win32') return `win32-${process.arch}-msvc`
  return `${process.platform}-${process.arch}`
}
