/** kiln's version, injected by the bundler (esbuild `define`); the package version in development. */
declare const __KILN_VERSION__: string | undefined;

/** The version of this kiln build. */
export const kilnVersion: string = typeof __KILN_VERSION__ === 'string' ? __KILN_VERSION__ : '0.1.0-dev';
