// The generator panel's HTML shell. Pure string building (no `vscode` import) so the Chromium tests
// in test/webview/ load exactly the page the extension serves, CSP included.

export interface PanelHtmlOptions {
  /** `webview.cspSource` — the origin the webview may load our bundle and images from. */
  cspSource: string;
  /** Fresh per page load, from `crypto.randomBytes` (see `makeNonce`). */
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

/** Base64 of 18 random bytes; the caller passes `crypto.randomBytes` so this file stays pure. */
export function makeNonce(randomBytes: (n: number) => Uint8Array): string {
  return Buffer.from(randomBytes(18)).toString('base64');
}

export function contentSecurityPolicy(o: Pick<PanelHtmlOptions, 'cspSource' | 'nonce'>): string {
  return [
    "default-src 'none'",
    `img-src ${o.cspSource} data: blob:`,
    `style-src ${o.cspSource} 'nonce-${o.nonce}'`,
    `font-src ${o.cspSource}`,
    `script-src 'nonce-${o.nonce}'`,
  ].join('; ');
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/**
 * The `csp-nonce` meta is read by FAST (under @vscode/webview-ui-toolkit 1.4) when it probes
 * `:focus-visible` support with a <style> element; without it the probe is blocked by our CSP and
 * the controls fall back to showing focus rings on mouse clicks too.
 */
export function renderPanelHtml(o: PanelHtmlOptions): string {
  const csp = escapeAttribute(contentSecurityPolicy(o));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta property="csp-nonce" content="${o.nonce}">
<link rel="stylesheet" nonce="${o.nonce}" href="${escapeAttribute(o.styleUri)}">
<title>Nanoforge: Generate Image</title>
</head>
<body>
<main id="app" aria-label="Nanoforge image generator"></main>
<script nonce="${o.nonce}" src="${escapeAttribute(o.scriptUri)}"></script>
</body>
</html>`;
}
