// Types of scripts/build-server.mjs for the TypeScript that imports it (tests, product-process).
export declare function serverBuildFile(root?: string): string;
export declare function serverBuildIsStale(root?: string): boolean;
export declare function buildServer(root?: string): Promise<string>;
