// Small copies of the candidates for the saved webview state. setState runs on every keystroke, so
// carrying eight full-size images (megabytes of base64) in it would make typing lag; the grid only
// needs thumbnails after a reload, and Save/Copy use the host's full bytes anyway.

/** Longest edge of a stored thumbnail, in pixels (the grid shows frames of about 160–220 px). */
export const THUMB_EDGE = 256;
/** Images already this small (data URI characters) are kept as they are. */
const KEEP_BELOW = 48_000;

function load(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error('the candidate image could not be decoded'));
    image.src = src;
  });
}

/** A WebP data URI at most THUMB_EDGE on its long side (WebP keeps transparency), or `src` itself. */
export async function thumbnail(src: string): Promise<string> {
  if (src.length < KEEP_BELOW) return src;
  const image = await load(src);
  const scale = Math.min(1, THUMB_EDGE / Math.max(image.naturalWidth, image.naturalHeight));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(image.naturalWidth * scale));
  canvas.height = Math.max(1, Math.round(image.naturalHeight * scale));
  canvas.getContext('2d')?.drawImage(image, 0, 0, canvas.width, canvas.height);
  const small = canvas.toDataURL('image/webp', 0.85);
  return small.length < src.length ? small : src;
}
