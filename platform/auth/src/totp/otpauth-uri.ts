import QRCode from 'qrcode';
import { AuthProviderError, AuthProviderErrorCode } from '../auth-provider-error.js';
import { base32Decode } from './base32.js';

export interface OtpauthUriInput {
  /** Who issues the code (the app's name), shown by the authenticator app. */
  issuer: string;
  /** The user's account label (usually the email). */
  account: string;
  /** Base32 secret from `generateTotpSecret`. */
  secret: string;
  digits?: number;
  periodSec?: number;
}

const MAX_LABEL = 200;

/**
 * `otpauth://totp/<issuer>:<account>?secret=…&issuer=…` in the Key Uri Format authenticator apps
 * read (issuer both in the label and as a parameter, as the format recommends). SHA-1 only: several
 * apps ignore `algorithm`, so the URI never asks for another.
 */
export function otpauthUri(input: OtpauthUriInput): string {
  for (const [name, value] of [
    ['issuer', input.issuer],
    ['account', input.account],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LABEL || value.includes(':')) {
      throw new AuthProviderError(
        AuthProviderErrorCode.MfaInputInvalid,
        `${name} must be 1-${MAX_LABEL} characters without ":"`,
      );
    }
  }
  base32Decode(input.secret); // refuses a secret that is not base32
  const label = `${encodeURIComponent(input.issuer)}:${encodeURIComponent(input.account)}`;
  const params = new URLSearchParams({
    secret: input.secret.replace(/=+$/, ''),
    issuer: input.issuer,
    algorithm: 'SHA1',
    digits: String(input.digits ?? 6),
    period: String(input.periodSec ?? 30),
  });
  return `otpauth://totp/${label}?${params.toString().replace(/\+/g, '%20')}`;
}

/** The URI as a QR code, an SVG document (to inline in the enrolment page). */
export function otpauthQrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
