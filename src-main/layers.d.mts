// Types of layers.mjs (plain JS so eslint.config.js can import it without a TypeScript loader).
export declare const LAYERS: string[];
export declare const ADAPTERS: string[];
export declare const CORE_FORBIDDEN_MODULES: string[];
export declare function forbiddenFor(layer: string): string[];
