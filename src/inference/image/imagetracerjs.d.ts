// imagetracerjs 1.2.6 ships no types; this declares the one function Nanoforge calls.
declare module 'imagetracerjs' {
  interface ImageDataLike {
    width: number;
    height: number;
    data: Uint8ClampedArray;
  }
  const ImageTracer: {
    imagedataToSVG(imgd: ImageDataLike, options: Record<string, number | boolean>): string;
  };
  export = ImageTracer;
}
