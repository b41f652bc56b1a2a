// Type declarations for untyped dependencies.
declare module 'heic-decode' {
  function decode(input: { buffer: Uint8Array }): Promise<{ width: number; height: number; data: Uint8ClampedArray }>;
  export default decode;
}

declare module 'bmp-js' {
  const bmp: { decode(buffer: Uint8Array): { width: number; height: number; data: Uint8Array } };
  export default bmp;
}
