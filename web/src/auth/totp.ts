// Helpers for showing a TOTP set-up; pure, so they are unit tested.

/** The server's QR code SVG as a data: URI for an <img> (CSP allows data: images only). */
export function svgDataUri(svg: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(svg)) binary += String.fromCharCode(byte);
  return `data:image/svg+xml;base64,${btoa(binary)}`;
}

/** "JBSWY3DPEHPK3PXP" as "JBSW Y3DP EHPK 3PXP": easier to read and type. */
export function groupSecret(secret: string): string {
  return secret.replace(/\s+/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}

/** What POST /api/account/mfa/totp answers. */
export interface TotpSetup {
  secret: string;
  otpauthUri: string;
  qrSvg: string;
}

/** "123 456" or "123-456" as typed or pasted: the server wants the digits alone. */
export const digitsOnly = (code: string) => code.replace(/[\s-]/g, '');
